"""ML experiment tracking in the notebook: evaluate, agree, log, compare, send predictions back.

- :func:`evaluate_detections` -> :class:`Evaluation` (COCO's numbers, per class, PR curves,
  confusion with background, per-prediction matches, plots, a browser of the worst images)
- :func:`evaluate_classification` -> :class:`ClassificationReport`
- :func:`agreement` -> :class:`Agreement` (boxes or classes; kappas, alpha, consensus)
- :func:`log_model`, :func:`compare_models`, :func:`plot_leaderboard`
- :func:`predictions_frame` (stored predictions), :func:`annotator_annotations` (every
  assignment's shapes with its annotator), :func:`upload_predictions` (pre-annotations)

The COCO engine, ``krippendorff`` and scikit-learn are the ``[ml]`` extra; plots need the
``[plots]`` extra (matplotlib).

>>> import synapse_nb as snb
>>> ev = snb.evaluate_detections(predictions, ground_truth)   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from synapse_nb._util.lazy import lazy_getattr

if TYPE_CHECKING:
    from .annotators import Agreement, agreement
    from .classification import ClassificationReport, evaluate_classification
    from .detection import Evaluation, evaluate_detections
    from .models import compare_models, log_model, plot_leaderboard
    from .sources import annotator_annotations, predictions_frame
    from .upload import upload_predictions

# Names load on first use: the server imports ``synapse_nb.ml.keys`` without pandas.
_LAZY = {"Agreement": ".annotators", "agreement": ".annotators",
         "ClassificationReport": ".classification", "evaluate_classification": ".classification",
         "Evaluation": ".detection", "evaluate_detections": ".detection",
         "compare_models": ".models", "log_model": ".models", "plot_leaderboard": ".models",
         "annotator_annotations": ".sources", "predictions_frame": ".sources",
         "upload_predictions": ".upload"}

__all__ = [
    "Agreement",
    "ClassificationReport",
    "Evaluation",
    "agreement",
    "annotator_annotations",
    "compare_models",
    "evaluate_classification",
    "evaluate_detections",
    "log_model",
    "plot_leaderboard",
    "predictions_frame",
    "upload_predictions",
]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
