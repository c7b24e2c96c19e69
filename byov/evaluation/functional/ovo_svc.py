"""libsvm's one-vs-one SVC, fit pair by pair from precomputed RBF kernels.

:class:`OvoSVC` solves the problems of scikit-learn's ``SVC(decision_function_shape=
'ovo')`` with its defaults (RBF kernel, C=1, gamma='scale'): one binary SVM per class
pair, fit in threads, each handed its kernel as a matrix computed with matrix
products; :func:`fit_svms` fits several at once, lets the views of one split share each
class pair's distances and the pairs share each class's (:class:`ClassDistances`);
:func:`predict_svms` predicts several in chunks. Used by phase classification and its
few-shot variant.
"""
import os
import queue
import threading
from collections import Counter
from contextlib import contextmanager
from functools import partial
from typing import Optional, Sequence

import numpy as np
from joblib import Parallel, delayed
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from ._libsvm import libsvm_layout_ok, log_once

#: Largest squared-distance matrix (MB, float64) one class pair may build; a larger pair
#: is fit by libsvm's own RBF kernel (same problem, slower, little memory).
MAX_KERNEL_MB = 1024


def rbf_gamma(fit_embeds: np.ndarray) -> float:
    """scikit-learn's ``gamma='scale'``: 1 / (dims * variance of all values, float64)."""
    x = np.asarray(fit_embeds, dtype=np.float64)
    var = x.var()
    return 1.0 / (x.shape[1] * var) if var != 0 else 1.0


def squared_distances(x: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """libsvm's RBF distances ``(|x_i|^2 + |x_j|^2) - 2 x_i.x_j`` (not clipped at 0,
    exactly symmetric, the diagonal exactly 0 as in libsvm), float64 [n, n], by one
    matrix product.

    Args:
        x: float64 [n, E].
        out: optional float64 [n, n] to write into (C-contiguous).
    """
    sq = np.einsum('ij,ij->i', x, x)
    out = np.matmul(x, x.T, out=out)
    out *= -2.0
    _add_norm_sums(out, sq, sq)
    np.fill_diagonal(out, 0.0)
    return out


def _add_norm_sums(out: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                   block: int = 64) -> None:
    """``out += rows[:, None] + cols[None, :]``, the norms summed first as libsvm does
    (so the distances are exactly symmetric), a block of rows at a time."""
    tmp = np.empty((min(block, out.shape[0]), out.shape[1]))
    for start in range(0, out.shape[0], block):
        part = tmp[:min(block, out.shape[0] - start)]
        np.add(rows[start:start + block, None], cols[None, :], out=part)
        out[start:start + block] += part


def _gather(matrix: np.ndarray, positions: np.ndarray, out: np.ndarray) -> None:
    """``out[:] = matrix[positions][:, positions]``; by block copies when the positions
    form a few contiguous runs (a view's frames of a class usually do)."""
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    if breaks.size < 4:
        starts = np.r_[0, breaks]
        ends = np.r_[breaks, positions.size]
        for r0, r1 in zip(starts, ends):
            src_r = positions[r0]
            for c0, c1 in zip(starts, ends):
                src_c = positions[c0]
                out[r0:r1, c0:c1] = matrix[src_r:src_r + r1 - r0, src_c:src_c + c1 - c0]
        return
    for start in range(0, positions.size, 1024):
        np.take(matrix[positions[start:start + 1024]], positions, axis=1,
                out=out[start:start + 1024])


def _copy_transposed(src: np.ndarray, dst: np.ndarray, tile: int = 128) -> None:
    """``dst[:] = src.T`` tile by tile (twice as fast as one strided copy)."""
    for r in range(0, src.shape[0], tile):
        for c in range(0, src.shape[1], tile):
            dst[c:c + tile, r:r + tile] = src[r:r + tile, c:c + tile].T


class ClassDistances:
    """The squared distances among the frames of each class, computed once and shared
    by every class pair: a pair's distance matrix is its two classes' blocks plus one
    cross block (a matrix product), instead of a product over all of the pair's rows.

    Args:
        x: float [N, E], all frames.
        class_rows: dict class label -> rows of ``x`` (increasing) that any pair of that
            class may need.
    """

    def __init__(self, x: np.ndarray, class_rows: dict):
        self.rows = class_rows
        self.x = {c: x[rows].astype(np.float64) for c, rows in class_rows.items()}
        self.norms = {c: np.einsum('ij,ij->i', v, v) for c, v in self.x.items()}
        self.within = {c: squared_distances(v) for c, v in self.x.items()}

    @staticmethod
    def megabytes(class_rows: dict) -> float:
        return sum(rows.size ** 2 for rows in class_rows.values()) * 8 / 2 ** 20

    def pair(self, a, b, out: np.ndarray) -> np.ndarray:
        """Distances over the rows of class ``a`` then class ``b``, written into ``out``
        (float64 [n_a + n_b, n_a + n_b], C-contiguous); the values of
        :func:`squared_distances` over those rows up to rounding."""
        na = self.rows[a].size
        out[:na, :na] = self.within[a]
        out[na:, na:] = self.within[b]
        cross = out[:na, na:]
        np.matmul(self.x[a], self.x[b].T, out=cross)
        cross *= -2.0
        _add_norm_sums(cross, self.norms[a], self.norms[b])
        _copy_transposed(cross, out[na:, :na])
        return out


class Workspace:
    """Two reusable float64 buffers (distances, kernel) for one pair task in flight:
    large fresh arrays cost page faults on every pair, reused ones do not."""

    def __init__(self):
        self._buffers = {}

    def array(self, name: str, n: int) -> np.ndarray:
        """A C-contiguous float64 [n, n] view of buffer ``name`` (contents undefined)."""
        buffer = self._buffers.get(name)
        if buffer is None or buffer.size < n * n:
            self._buffers[name] = buffer = np.empty(n * n)
        return buffer[:n * n].reshape(n, n)


def _binary_fit(kernel_or_rows, side, gamma, cache_size, precomputed):
    """One libsvm binary fit; returns (support positions, coef, intercept) in libsvm's
    own convention (value > 0 votes for the first class of the pair)."""
    svm = SVC(kernel='precomputed' if precomputed else 'rbf', gamma=gamma,
              cache_size=cache_size).fit(kernel_or_rows, side)
    # scikit-learn negates libsvm's binary coefficients and intercept so that a positive
    # decision means classes_[1]; negating back is exact (checked by libsvm_layout_ok)
    return svm.support_, -svm.dual_coef_[0], -svm.intercept_[0]


class OvoSVC:
    """``SVC(decision_function_shape='ovo')`` with scikit-learn's defaults, fit one class
    pair at a time (pairs can fit in parallel) and predicting with BLAS.

    libsvm trains a multi-class SVC as one binary SVM per pair of classes (i < j, sorted),
    on the frames of class i then of class j, each in their original order, with
    gamma from all the data. Fitting those binary problems with the same rows, order and
    gamma gives the same problem. With ``precompute_kernel`` (default: when the pair's
    distance matrix fits in ``max_kernel_mb``) each pair's RBF kernel is computed with
    matrix products (:func:`squared_distances`, or assembled by :func:`fit_svms` from
    distances shared with other views and pairs) and given to libsvm as
    ``kernel='precomputed'``: its solver then
    reads kernel values instead of computing 256-d distances, and the support vectors and
    coefficients equal libsvm's own RBF fit up to floating-point rounding (bit for bit
    without it). Prediction evaluates every pair's decision value with one matrix product
    and votes as libsvm does (class i when the value is > 0, the first class with most
    votes wins). ``tests/evaluation/test_functional.py`` checks predictions equal
    ``SVC.predict``.

    If the installed scikit-learn's binary-SVC layout is not the one this relies on
    (:func:`~byov.evaluation.functional._libsvm.libsvm_layout_ok`), every fit falls back
    to a plain ``SVC(decision_function_shape='ovo')``, with a warning.
    """

    def __init__(self, cache_size: float = 200, precompute_kernel: Optional[bool] = None,
                 max_kernel_mb: float = MAX_KERNEL_MB):
        self.cache_size = cache_size
        self.precompute_kernel = precompute_kernel
        self.max_kernel_mb = max_kernel_mb

    def setup(self, x: np.ndarray, rows: np.ndarray, labels: np.ndarray) -> list:
        """Prepare a fit on ``x[rows]`` (``rows`` increasing); returns the class pairs
        ``(label_i, label_j)``. Pair p is fit by :meth:`fit_pair`, then :meth:`finish`."""
        self._x = x
        self.classes_ = np.unique(labels[rows])
        self.gamma_ = rbf_gamma(x[rows])
        self.plain_ = not libsvm_layout_ok()
        if self.plain_:
            self._rows, self._labels = rows, labels
            self.pairs_ = []
            return []
        self._members = [rows[labels[rows] == c] for c in self.classes_]
        n = len(self.classes_)
        self.pairs_ = [(i, j) for i in range(n) for j in range(i + 1, n)]
        return [(self.classes_[i], self.classes_[j]) for i, j in self.pairs_]

    def pair_rows(self, p: int) -> np.ndarray:
        i, j = self.pairs_[p]
        return np.concatenate([self._members[i], self._members[j]])

    def use_kernel(self, size: int) -> bool:
        if self.precompute_kernel is not None:
            return self.precompute_kernel
        if size * size * 8 <= self.max_kernel_mb * 2 ** 20:
            return True
        log_once(f'phase classification: a class pair of {size} frames needs a '
                 f'{size * size * 8 / 2 ** 20:.0f} MB kernel (max_kernel_mb='
                 f'{self.max_kernel_mb:g}); libsvm computes its RBF kernel itself (slower)')
        return False

    def fit_pair(self, p: int, workspace: Optional[Workspace] = None,
                 dists: Optional[np.ndarray] = None, positions: Optional[np.ndarray] = None,
                 inplace: bool = False) -> tuple:
        """Fit pair p. With ``dists``, the :func:`squared_distances` of a superset of the
        pair's rows: the kernel is ``dists`` at ``positions`` (None: all of it, then
        ``inplace`` lets it be overwritten). Returns (rows of x that are support
        vectors, coef, intercept)."""
        i, j = self.pairs_[p]
        rows = self.pair_rows(p)
        side = np.r_[np.zeros(self._members[i].size), np.ones(self._members[j].size)]
        if dists is None and not self.use_kernel(rows.size):
            # SVC converts the rows to float64 (exactly)
            support, coef, intercept = _binary_fit(self._x[rows], side, self.gamma_,
                                                   self.cache_size, False)
            return rows[support], coef, intercept
        workspace = workspace or Workspace()
        if dists is None:
            dists = squared_distances(self._x[rows].astype(np.float64),
                                      out=workspace.array('dists', rows.size))
            positions, inplace = None, True
        if positions is None:
            kernel = dists if inplace else workspace.array('kernel', rows.size)
            np.multiply(dists, -self.gamma_, out=kernel)
        else:
            kernel = workspace.array('kernel', rows.size)
            _gather(dists, positions, kernel)
            kernel *= -self.gamma_
        np.exp(kernel, out=kernel)
        support, coef, intercept = _binary_fit(kernel, side, 'scale', self.cache_size, True)
        return rows[support], coef, intercept

    def finish(self, fitted: list) -> 'OvoSVC':
        if self.plain_:
            return self
        support = np.unique(np.concatenate([rows for rows, _, _ in fitted]))
        self.support_vectors_ = self._x[support].astype(np.float64)
        del self._x, self._members
        self.coef_ = np.zeros((support.size, len(self.pairs_)))  # zero: not an SV of p
        for p, (rows, coef, _) in enumerate(fitted):
            self.coef_[np.searchsorted(support, rows), p] = coef
        self.intercept_ = np.array([b for _, _, b in fitted])
        return self

    def fit_plain(self) -> 'OvoSVC':
        """The fallback: scikit-learn's own multi-class SVC."""
        rows = self._rows
        self.svc_ = SVC(decision_function_shape='ovo', cache_size=self.cache_size).fit(
            self._x[rows], self._labels[rows])
        del self._x, self._rows, self._labels
        return self

    def fit(self, embeds: np.ndarray, labels: np.ndarray, n_jobs: int = 1) -> 'OvoSVC':
        embeds = np.asarray(embeds)
        fit_svms(embeds, np.asarray(labels), [(self, np.arange(embeds.shape[0]))], n_jobs)
        return self

    def decision_values(self, embeds: np.ndarray) -> np.ndarray:
        """libsvm's decision value of every pair, [N, pairs]."""
        if self.plain_:
            return self.svc_.decision_function(embeds)
        x = np.asarray(embeds, dtype=np.float64)
        sv = self.support_vectors_
        sv_norms = np.einsum('ij,ij->i', sv, sv)
        out = np.empty((x.shape[0], len(self.pairs_)))
        block = max(1, 2 ** 22 // max(1, sv.shape[0]))
        for start in range(0, x.shape[0], block):
            xb = x[start:start + block]
            dist = xb @ sv.T
            dist *= -2.0
            dist += np.einsum('ij,ij->i', xb, xb)[:, None]
            dist += sv_norms[None, :]
            np.maximum(dist, 0.0, out=dist)
            dist *= -self.gamma_
            np.exp(dist, out=dist)  # the RBF kernel
            out[start:start + block] = dist @ self.coef_ + self.intercept_
        return out

    def predict(self, embeds: np.ndarray) -> np.ndarray:
        if self.plain_:
            return self.svc_.predict(embeds)
        values = self.decision_values(embeds)
        votes = np.zeros((values.shape[0], self.classes_.size), dtype=np.int64)
        for p, (i, j) in enumerate(self.pairs_):
            wins = values[:, p] > 0
            votes[:, i] += wins
            votes[:, j] += ~wins
        return self.classes_[np.argmax(votes, axis=1)]  # first maximum, as libsvm


def _shared_pair_task(x, labels, key, members, unions, use_kernel, blocks, workspace):
    """Fit the pairs ``members`` [(model, p)] of the classes ``key`` = (a, b) from one
    distance matrix over ``unions`` = (union_a, union_b), the union of their rows: each
    model's pair rows (its class-a rows, then its class-b rows, increasing) are a subset,
    in order. ``blocks``: the :class:`ClassDistances` to assemble the matrix from (they
    hold exactly these rows), or None to compute it by one matrix product."""
    if not use_kernel:
        return [model.fit_pair(p) for model, p in members]
    union_a, union_b = unions
    size = union_a.size + union_b.size
    buffer = workspace.array('dists', size)
    if blocks is not None:
        dists = blocks.pair(key[0], key[1], buffer)
    else:
        dists = squared_distances(x[np.concatenate(unions)].astype(np.float64), out=buffer)
    rows = [model.pair_rows(p) for model, p in members]
    out = {}
    # subsets first, the whole union last (its kernel overwrites the distances)
    order = sorted(range(len(members)), key=lambda k: rows[k].size == size)
    for k in order:
        model, p = members[k]
        if rows[k].size == size:
            out[k] = model.fit_pair(p, workspace, dists, inplace=k == order[-1])
        else:
            r = rows[k]
            positions = np.concatenate([
                np.searchsorted(union_a, r[labels[r] == key[0]]),
                union_a.size + np.searchsorted(union_b, r[labels[r] == key[1]])])
            out[k] = model.fit_pair(p, workspace, dists, positions)
    return [out[k] for k in range(len(members))]


def _single_pair_task(model, p, workspace):
    return [model.fit_pair(p, workspace)]


def _fit_plain(model, workspace):
    model.fit_plain()
    return []


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter = None


@contextmanager
def worker_blas_limits(n_jobs: int):
    """A context in which ``n_jobs`` worker threads share the CPUs: BLAS gets CPUs //
    n_jobs threads (at least one) instead of all of them in every worker, which would
    oversubscribe the machine (measured 3.8 s instead of 2.9 s for the benchmark's phase
    classification on 2 cores). BLAS's thread count is a setting of the whole process:
    it is set by the first of overlapping contexts (in any thread) and restored when the
    last one ends. One worker keeps BLAS's default."""
    global _blas_users, _blas_limiter
    if n_jobs <= 1:
        yield
        return
    with _blas_lock:
        if _blas_users == 0:
            _blas_limiter = threadpool_limits(limits=max(1, available_cpus() // n_jobs),
                                              user_api='blas')
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


def _class_blocks(x, key_unions: dict, max_kernel_mb: float) -> tuple:
    """The :class:`ClassDistances` for the class pairs ``key_unions`` ((a, b) -> (rows
    of a, rows of b)) and the pairs that can be assembled from them; (None, empty) when
    no class belongs to two such pairs or the blocks would exceed ``max_kernel_mb``.

    A class's block holds the union of its rows over all the pairs; a pair can use the
    blocks when its own union of rows is that whole union for both classes (its rows are
    a subset of it, so equal sizes mean equal rows): not, for instance, a pair that only
    the exo-only view has while the ego-only view has other pairs of those classes."""
    class_rows = {}
    for key, unions in key_unions.items():
        for c, rows in zip(key, unions):
            class_rows.setdefault(c, []).append(rows)
    class_rows = {c: np.unique(np.concatenate(parts)) for c, parts in class_rows.items()}
    usable = {key for key, unions in key_unions.items()
              if all(rows.size == class_rows[c].size for c, rows in zip(key, unions))}
    pairs_of_class = Counter(c for key in usable for c in key)
    if max(pairs_of_class.values(), default=0) < 2:
        return None, set()
    class_rows = {c: class_rows[c] for c in pairs_of_class}
    if ClassDistances.megabytes(class_rows) > max_kernel_mb:
        return None, set()
    return ClassDistances(x, class_rows), usable


def fit_svms(x: np.ndarray, labels: np.ndarray, problems: Sequence[tuple], n_jobs: int = 1,
             share_kernel: bool = False) -> list:
    """Fit several :class:`OvoSVC` ``(model, rows)`` on ``x[rows]``, ``labels[rows]``
    (``rows`` increasing) at once: their class pairs share one pool of ``n_jobs`` threads
    (libsvm and BLAS release the GIL), largest first. ``share_kernel``: the pairs of the
    same two classes are fit from one distance matrix over the union of their rows
    (views of one split: regular, ego-only, exo-only), and, where a class belongs to
    several pairs, the distances within each class are computed once and the pairs'
    matrices assembled from them (:func:`_class_blocks`)."""
    groups = {}
    for model, rows in problems:
        for p, key in enumerate(model.setup(x, rows, labels)):
            groups.setdefault(key if share_kernel else (id(model), p), []).append((model, p))
    tasks = []
    if share_kernel:
        unions, use = {}, {}
        for key, members in groups.items():
            rows = [m.pair_rows(p) for m, p in members]
            unions[key] = tuple(np.unique(np.concatenate([r[labels[r] == c] for r in rows]))
                                for c in key)
            use[key] = members[0][0].use_kernel(sum(u.size for u in unions[key]))
        budget = min(model.max_kernel_mb for model, _ in problems)
        blocks, usable = _class_blocks(x, {k: u for k, u in unions.items() if use[k]},
                                       budget)
        for key, members in groups.items():
            tasks.append((sum(u.size for u in unions[key]), members, partial(
                _shared_pair_task, x, labels, key, members, unions[key], use[key],
                blocks if key in usable else None)))
        del blocks  # the tasks hold them until they are done
    else:
        for members in groups.values():
            model, p = members[0]
            tasks.append((model.pair_rows(p).size, members,
                          partial(_single_pair_task, model, p)))
    for model, _ in problems:
        if model.plain_:  # the fallback: one multi-class SVC, no pairs
            tasks.append((model._rows.size, [], partial(_fit_plain, model)))
    tasks.sort(key=lambda t: -t[0])
    n_jobs = max(1, min(n_jobs, len(tasks)))
    workspaces = queue.SimpleQueue()  # one per task in flight: bounds the memory
    for _ in range(n_jobs):
        workspaces.put(Workspace())

    def run(task):
        workspace = workspaces.get()
        try:
            return task(workspace)
        finally:
            workspaces.put(workspace)

    calls = [task for _, _, task in tasks]
    task_members = [members for _, members, _ in tasks]
    del tasks
    with worker_blas_limits(n_jobs):
        done = Parallel(n_jobs=n_jobs, backend='threading')(
            delayed(run)(call) for call in calls)
    del calls  # the last references to the class blocks
    results = {}
    for members, result in zip(task_members, done):
        for (model, p), fitted in zip(members, result):
            results[id(model), p] = fitted
    for model, _ in problems:
        model.finish([results[id(model), p] for p in range(len(model.pairs_))])
    return [model for model, _ in problems]


def predict_svms(jobs: Sequence[tuple], n_jobs: int = 1, chunk: int = 1024) -> list:
    """``[model.predict(embeds) for model, embeds in jobs]``, the frames cut into
    chunks of ``chunk`` that ``n_jobs`` threads predict (balanced even when one view
    has far more frames or support vectors than the others)."""
    pieces = [(j, start) for j, (_, embeds) in enumerate(jobs)
              for start in range(0, len(embeds), chunk)]
    n_jobs = max(1, min(n_jobs, len(pieces)))
    with worker_blas_limits(n_jobs):
        done = Parallel(n_jobs=n_jobs, backend='threading')(
            delayed(jobs[j][0].predict)(jobs[j][1][start:start + chunk])
            for j, start in pieces)
    out = [[] for _ in jobs]
    for (j, _), labels in zip(pieces, done):
        out[j].append(labels)
    return [np.concatenate(parts) if parts else jobs[j][0].predict(jobs[j][1])
            for j, parts in enumerate(out)]


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_n_jobs(num_tasks: int) -> int:
    """One worker per task, at most one per available CPU."""
    return max(1, min(num_tasks, available_cpus()))
