"""File copies that are never seen half-written.

Several processes of one step (ParallelRunStep's process_count_per_node, a sweep's trials)
often download the same dataset or model into the same working folder at init(); a plain
copy lets one process read a file another is still writing (an empty labels.txt). Each copy
goes to a temporary name beside the destination and is renamed over it, so a reader sees the
old file or the whole new one."""
import os
import shutil
import tempfile


def copy_file(src, dest, metadata=False):
    """Copies src to dest atomically (rename); dest's folder must exist."""
    folder = os.path.dirname(os.path.abspath(dest))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(dest), suffix=".part", dir=folder)
    os.close(fd)
    try:
        (shutil.copy2 if metadata else shutil.copyfile)(src, tmp)
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return dest


def copy_tree(src, dest):
    """Copies the folder src into dest (merging), each file atomically."""
    return shutil.copytree(src, dest, dirs_exist_ok=True, copy_function=lambda s, d: copy_file(s, d, True))
