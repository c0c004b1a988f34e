"""The test suite is a package (``tests.datasets``, ``tests.scale``, ...), so its folders do not
shadow libraries of the same name: without this file pytest puts ``tests/`` on ``sys.path``
and ``import datasets`` finds ``tests/datasets`` instead of Hugging Face's ``datasets``."""
