"""Demo data: two tenants, fixed ids and tokens, and ``scale`` tasks in the first one.

Everything here is deterministic: the same ``scale`` gives the same database.

Tenants and credentials
-----------------------
- ``acme`` (tenant id 1, the demo data): access token ``DEMO_ACCESS_TOKEN``
  (``"syn_demo_acme_0123456789abcdef"``).
- ``globex`` (tenant id 2, a small second tenant for isolation tests): access token
  ``OTHER_ACCESS_TOKEN`` (``"syn_demo_globex_fedcba9876543210"``).
- Users (ids 1..10), each with a DRF token ``USER_TOKENS[username]``
  (``"demo-user-token-<username>"``), sent as ``Authorization: Token ...`` plus
  ``Synapse-Tenant: acme``: 1 alice (acme owner), 2 bob, 3 carol, 4 dave, 5 erin,
  6 frank, 7 grace, 8 heidi (acme members; 2-6 label, 7-8 review), 9 ivan (globex owner),
  10 judy (member of both tenants: she must send ``Synapse-Tenant``).
- Agent 1 "gpu-box-01" (acme), token ``AGENT_TOKEN`` (``"agt_demo_acme_gpu_box_01"``);
  agent 2 "globex-runner" (globex).

acme contents (ids fixed whatever the scale)
--------------------------------------------
- Data collections (category image): 1 "Street cameras" (specs ``image_1`` primary
  required, ``image_ir`` optional, present on every 4th unit), 2 "Aerial tiles"
  (``image_1``), 3 "Shelf photos" (``image_1``, plus optional ``meta_json`` never filled).
- Projects: 1 "Street object detection" (collection 1, bbox labels person, car, bicycle,
  truck, traffic_light), 2 "Aerial segmentation" (collection 2, polygon labels building,
  road, vegetation, water), 3 "Shelf classification" (collection 3, classification labels
  beverage, snack, dairy, household, empty_shelf).
- Task tags: 1 "urgent", 2 "night", 3 "occluded", 4 ``<img src=x onerror=alert(1)>``
  (project 1; on every 97th project-1 task, for HTML-escaping checks), 5 "cloudy"
  (project 2), 6 "review-needed" (project 3).
- Tasks ``1..scale`` and data units ``1..scale`` (task i is on unit i): project 1 gets the
  first half, project 2 the next 30 %, project 3 the rest (``project_ranges(scale)``).
  Status about 30 % pending, 25 % in_progress, 45 % completed; about 2 % discarded;
  priority low/normal/high. Completed and in-progress tasks carry annotation ``data`` in
  the seed docs' format: ``{"annotations": [...], "metadata": {"annotator_id",
  "timestamp"}}``; pending tasks have ``data: null``.
- Images are 320x240 PNGs generated on first request, their shapes at the annotation
  coordinates (pixels). A file's declared ``checksum`` is the md5 of the PNG served
  (up to ``images.REAL_CHECKSUM_MAX_UNITS`` units; past that, stable ids, said at seed).
- Assignments: one per assigned task (ids from 1, in task order): status_label
  ``stand_by``/``in_progress``/``completed``/``skipped``, status_review ``stand_by``/
  ``in_progress``/``rejected``/``completed``; labelers users 2-6, reviewers 7-8.
- Ground truth: dataset 1 "Street GT" (project 1) with versions 1 "v1.0" and 2 "v1.1";
  dataset 2 "Aerial GT" (project 2) with version 3 "v1.0". Version 2 and 3 events are all
  completed, non-discarded tasks' units of their project (version 1: the first 60 % of
  those), category train/validation/test (about 70/20/10); event ``data`` equals the
  task's annotations. Version 1 is not ``is_active``; 2 and 3 are.
- Models: 1 "yolov8n-street" (project 1, gt version 1), 2 "yolov8s-street" (gt version 2,
  released), 3 "segformer-aerial" (project 2, gt version 3), 4 "resnet50-shelf" (project 3,
  external); each with ``metrics`` and a small downloadable ``file``.
- Labels are not balanced (``scenes.WEIGHTS``: person and car common, traffic lights rare)
  and box sizes are log-uniform, so COCO's small, medium and large objects all occur.
- Pre-annotations (``pre_annotations/``, see ``routers/pre_annotations.py``): every model
  has its predictions stored on each unit of its ground-truth version (task i is on unit
  i; model 4, which has no ground-truth version, on project 3's completed tasks), with the errors of ``scenes.MODEL_PROFILES``: misses (more of small objects), label
  confusions (car/truck, person/bicycle, ...), loose and jittered boxes, false positives
  with low confidence. Model 2 makes fewer errors than model 1.
- Multi-annotator tasks: about one completed task in six of projects 1 and 3 has a second
  assignment (status completed) by another labeler, one in eighteen a third; each labeler
  has habits (``scenes.ANNOTATOR_PROFILES``: carol misses small objects, dave confuses
  labels, erin draws loose boxes), so agreement has something to show.
- Planted label problems (``scenes.PLANTED_ERRORS``, ``scenes.NEAR_COPIES``; notebook
  ``09_label_issues``): 15 completed street tasks (units 24..176) carry a labeling error in
  their annotations and ground truth (5 swapped classes, 5 boxes pushed off their object, 5
  missing boxes, none the only box of its image), and every model's stored predictions on them are
  the true boxes with confidence >= 0.96; units 82, 91, 123 and 153 (validation or test)
  show a brightened, JPEG-recompressed or resized copy of units 87, 94, 118 and 150 (train)
  with the same labels. Street frames differ in horizon, road and buildings, so among
  units 1-1100 only those copies are within 8 bits of perceptual hash (larger scales have
  the odd look-alike pair too, which a check rightly reports).
- Plugins: 1 "yolov8" (neural_net), 2 "coco-export" (export), 3 "folder-upload" (upload);
  releases 1-4. Jobs 1-5 in statuses succeeded, failed, running, pending, stopped, with
  console logs. Storages: 1 "Synapse internal" (internal, minio, default),
  2 "acme-raw-s3" (external, amazon_s3).

globex contents
---------------
Collection 4 "Globex scans", project 4 "Globex invoices" with ``GLOBEX_TASKS`` (20)
tasks, user ivan (9) as assignee; the even ones (10) are completed and each annotation
list holds a box labelled ``HTML_LABEL`` (``<b>line item</b><script>alert(1)</script>``);
tasks 1-5 of globex carry task tag 7 "globex-only"; storage 3; agent 2. Its unit and task
ids come after acme's (``scale + 1`` on). Acme and globex ids never overlap, so a globex
token asking for an acme id gets 404.
"""

from __future__ import annotations

__all__ = [
    "DEMO_TENANT", "OTHER_TENANT", "DEMO_ACCESS_TOKEN", "OTHER_ACCESS_TOKEN", "USER_TOKENS",
    "AGENT_TOKEN", "OTHER_AGENT_TOKEN", "GLOBEX_TASKS", "PROJECTS", "project_ranges",
    "HTML_TAG_NAME", "HTML_LABEL",
]

DEMO_TENANT = "acme"
OTHER_TENANT = "globex"
DEMO_ACCESS_TOKEN = "syn_demo_acme_0123456789abcdef"
OTHER_ACCESS_TOKEN = "syn_demo_globex_fedcba9876543210"
AGENT_TOKEN = "agt_demo_acme_gpu_box_01"
OTHER_AGENT_TOKEN = "agt_demo_globex_runner"
USERNAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
USER_TOKENS = {name: f"demo-user-token-{name}" for name in USERNAMES}
GLOBEX_TASKS = 20
HTML_TAG_NAME = "<img src=x onerror=alert(1)>"
HTML_LABEL = "<b>line item</b><script>alert(1)</script>"

# project id -> (title, collection id, scene kind, share of the acme tasks)
PROJECTS = {
    1: ("Street object detection", 1, "detection", 0.5),
    2: ("Aerial segmentation", 2, "segmentation", 0.3),
    3: ("Shelf classification", 3, "classification", 0.2),
}


def project_ranges(scale: int) -> dict[int, range]:
    """Task (and unit) ids of each acme project for a given scale.

    >>> project_ranges(10)
    {1: range(1, 6), 2: range(6, 9), 3: range(9, 11)}
    """
    n1 = int(scale * 0.5)
    n2 = int(scale * 0.3)
    return {1: range(1, n1 + 1), 2: range(n1 + 1, n1 + n2 + 1), 3: range(n1 + n2 + 1, scale + 1)}
