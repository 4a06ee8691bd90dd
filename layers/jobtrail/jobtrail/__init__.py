"""jobtrail: the full status history, final metrics and alerts of every SageMaker training job."""

__version__ = "0.1.0"
