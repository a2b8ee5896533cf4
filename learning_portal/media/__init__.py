"""Training videos: storage backends, ingest and transcoding with ffmpeg, captions, delivery."""
