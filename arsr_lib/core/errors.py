"""Exception types. Every message names the culprit (file, line or parameter)."""


class ArsrError(Exception):
    """Base class of every error this package raises on purpose."""


class VideoError(ArsrError):
    """A video file is missing, empty, corrupt or too short."""


class DatasetError(ArsrError):
    """A split file is missing or malformed, or a dataset entry is invalid or missing."""


class FlowError(ArsrError):
    """Optical flow cannot be computed as asked (unknown method, missing OpenCV contrib, ...)."""


class ExtractionError(ArsrError):
    """Rawframe extraction failed for one or more videos."""


class SRMemoryError(ArsrError):
    """Super-resolution ran out of memory: the message names the batch / tile to lower."""
