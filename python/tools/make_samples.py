"""Writes the tiny sample videos the README's main-job command captions.

    python python/tools/make_samples.py [OUT_DIR]     default: src/test/resources/samples

Three short clips (64x48, 10 fps) with simple, describable motion, encoded with PyAV (no system
ffmpeg): a red disc crossing a blue sky (MP4/H.264, 3 s), a yellow square bouncing on grass
(WebM/VP9, 4 s), and a grey-to-white fade with a black bar sweeping down (MKV/MPEG-4, 2 s).
Together they stay well under 100 KB. Rerunning overwrites them; the encoders' versions decide
the exact bytes.
"""

from __future__ import annotations

import os
import sys

import av
import numpy as np

WIDTH, HEIGHT, FPS = 64, 48, 10


def _write(path: str, fmt: str, codec: str, frames: list[np.ndarray]) -> None:
    container = av.open(path, mode="w", format=fmt)
    try:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()


def _canvas(rgb: tuple[int, int, int]) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, dtype=np.uint8), (HEIGHT, WIDTH, 3)).copy()


def red_disc_crossing_sky(seconds: int = 3) -> list[np.ndarray]:
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    frames = []
    n = seconds * FPS
    for i in range(n):
        image = _canvas((90, 150, 230))
        cx = 6 + (WIDTH - 12) * i / (n - 1)
        image[(xx - cx) ** 2 + (yy - HEIGHT / 2) ** 2 <= 36] = (220, 30, 30)
        frames.append(image)
    return frames


def yellow_square_bouncing(seconds: int = 4) -> list[np.ndarray]:
    frames = []
    n = seconds * FPS
    for i in range(n):
        image = _canvas((40, 140, 50))
        phase = abs((i * 4 % (2 * (HEIGHT - 10))) - (HEIGHT - 10))  # triangle wave: up and down
        x = 10 + (WIDTH - 30) * i // n
        image[phase:phase + 10, x:x + 10] = (240, 220, 40)
        frames.append(image)
    return frames


def fade_with_sweeping_bar(seconds: int = 2) -> list[np.ndarray]:
    frames = []
    n = seconds * FPS
    for i in range(n):
        level = int(80 + 170 * i / (n - 1))
        image = _canvas((level, level, level))
        y = (HEIGHT - 4) * i // (n - 1)
        image[y:y + 4, :] = 0
        frames.append(image)
    return frames


def main(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    clips = [
        ("red-disc-sky.mp4", "mp4", "libx264", red_disc_crossing_sky()),
        ("yellow-square-grass.webm", "webm", "libvpx-vp9", yellow_square_bouncing()),
        ("fade-sweeping-bar.mkv", "matroska", "mpeg4", fade_with_sweeping_bar()),
    ]
    total = 0
    for name, fmt, codec, frames in clips:
        path = os.path.join(out_dir, name)
        _write(path, fmt, codec, frames)
        size = os.path.getsize(path)
        total += size
        print(f"{path}: {len(frames)} frames, {size} bytes")
    print(f"{len(clips)} samples, {total} bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("src", "test", "resources", "samples"))
