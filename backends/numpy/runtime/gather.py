"""GATHER / EMBEDDING_LOOKUP / GATHER_ND with run-time indices (tqi.gather)."""

import numpy as np


def gather_rows(data, indices, dims, check):
    """data [A, R, S], indices [K, d]: output[a, k] = data[a, row_k], row_k = Σ_j
    indices[k, j] · (dims[j+1]·…·dims[d-1]), computed exactly. Raises ValueError where the
    reference kernel returns an error: check "each", a component outside [0, dims[j]) (TFLM's
    GATHER, LiteRT REF); check "flat", a row outside [0, R) (TFLM's GATHER_ND)."""
    t = np.asarray(indices, dtype=np.int64)
    dims = np.asarray(dims, dtype=np.int64)
    if check == "each":
        bad = (t < 0) | (t >= dims)
        if bad.any():
            k, j = np.argwhere(bad)[0]
            raise ValueError(f"gather: index {int(t[k, j])} is outside [0, {int(dims[j]) - 1}]; "
                             "the reference kernel returns an error")
    weights = np.array([int(np.prod(dims[j + 1:])) for j in range(len(dims))], dtype=np.int64)
    rows = t @ weights if t.shape[0] else np.zeros(0, np.int64)
    bad_rows = (rows < 0) | (rows >= int(np.prod(dims)))
    if bad_rows.any():
        raise ValueError(f"gather: index tuple {t[np.argmax(bad_rows)].tolist()} leaves the "
                         f"data {dims.tolist()}; the reference kernel returns an error")
    return data[:, rows, :]
