"""SCORM 1.2 packages: upload, delivery from media storage, and the runtime API that completes the item."""
