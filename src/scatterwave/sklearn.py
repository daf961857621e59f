"""scikit-learn transformer computing scattering features of fixed-length 1-D signals.

:class:`ScatteringTransformer` turns ``X`` of shape ``(n_samples, N)`` (each row a signal)
into scattering features, optionally log-compressed and standardised with statistics learnt in
``fit`` (see :mod:`scatterwave.toolkit.normalize`), so it can be the first step of a
:class:`~sklearn.pipeline.Pipeline`::

    from sklearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    clf = make_pipeline(ScatteringTransformer(J=6, Q=8), LogisticRegression())

Requires scikit-learn >= 1.6 (``pip install 'scatterwave[sklearn]'``).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

try:
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "scatterwave.sklearn needs scikit-learn >= 1.6: pip install 'scatterwave[sklearn]'."
    ) from exc

from scatterwave.toolkit.normalize import fit_normalization, normalize

__all__ = ["ScatteringTransformer"]

_OWN = ("J", "Q", "T", "max_order", "oversampling")


class ScatteringTransformer(TransformerMixin, BaseEstimator):
    """Scattering features for scikit-learn: ``(n_samples, N) -> (n_samples, n_features_out)``.

    Parameters
    ----------
    J : int, (int, int) or "auto"
        Maximum log2 scale of the wavelets (a pair ``(J1, J2)``: of each order, see
        :class:`~scatterwave.Scattering1D`). ``"auto"`` uses
        ``max(1, floor(log2(N)) - 3)`` for signals of length ``N`` (set in :meth:`fit`).
    Q : int or (int, int)
        Wavelets per octave (first order, second order).
    T : int or None
        Averaging scale in samples; ``None`` uses ``2**J``.
    max_order : {1, 2}
        Scattering order.
    oversampling : int
        Log2 oversampling of the coefficients in time.
    pooling : {"mean", "flatten"}
        ``"mean"`` averages every path over time (``n_paths`` features, invariant to time
        shifts); ``"flatten"`` keeps the time axis (``n_paths * N_out`` features).
    log_normalize : bool
        Learn per-path log compression and standardisation in :meth:`fit`
        (:func:`scatterwave.toolkit.fit_normalization`) and apply it in :meth:`transform`.
    scattering_kwargs : dict or None
        Further keyword options of :class:`~scatterwave.Scattering1D` (e.g.
        ``{"pad_mode": "zero"}``); must not repeat the parameters above nor set
        ``out_type`` or ``average``.

    Attributes
    ----------
    scattering_ : Scattering1D
        The fitted transform.
    J_ : int or (int, int)
        The scale actually used.
    stats_ : NormalizationStats or None
        Learnt normalisation (None if ``log_normalize=False``).
    pooling_ : {"mean", "flatten"}
        The pooling fixed by :meth:`fit` (``set_params`` takes effect at the next fit).
    n_features_in_ : int
        Signal length ``N`` seen in :meth:`fit`.
    n_features_out_ : int
        Number of output features.
    """

    def __init__(
        self,
        *,
        J: int | tuple[int, int] | Literal["auto"] = "auto",
        Q: int | tuple[int, int] = 8,
        T: int | None = None,
        max_order: Literal[1, 2] = 2,
        oversampling: int = 0,
        pooling: Literal["mean", "flatten"] = "mean",
        log_normalize: bool = True,
        scattering_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.J = J
        self.Q = Q
        self.T = T
        self.max_order = max_order
        self.oversampling = oversampling
        self.pooling = pooling
        self.log_normalize = log_normalize
        self.scattering_kwargs = scattering_kwargs

    def _build(self, N: int) -> Any:
        from scatterwave import Scattering1D

        if self.pooling not in ("mean", "flatten"):
            raise ValueError(f'pooling must be "mean" or "flatten", got {self.pooling!r}.')
        kwargs = dict(self.scattering_kwargs or {})
        clash = sorted(set(kwargs) & {*_OWN, "N", "out_type", "average"})
        if clash:
            raise ValueError(
                f"scattering_kwargs must not set {clash}: they are parameters of "
                "ScatteringTransformer (or fixed by it: out_type='array', average=True)."
            )
        J: int | tuple[int, int]
        if self.J == "auto":
            J = max(1, math.floor(math.log2(N)) - 3)
        elif isinstance(self.J, (int, np.integer)) and not isinstance(self.J, bool):
            J = int(self.J)
        elif isinstance(self.J, tuple):
            J = self.J  # checked by Scattering1D
        else:
            raise ValueError(
                f'J must be a positive integer, a pair (J1, J2) or "auto", got {self.J!r}.'
            )
        S = Scattering1D(
            N,
            J,
            Q=self.Q,
            T=self.T,
            max_order=self.max_order,
            oversampling=self.oversampling,
            average=True,
            out_type="array",
            **kwargs,
        )
        return J, S

    def _coefficients(self, X: np.ndarray) -> np.ndarray:
        Sx = np.asarray(self.scattering_(X))
        if self.stats_ is not None:
            Sx = normalize(Sx, stats=self.stats_)
        return Sx

    def _pool(self, Sx: np.ndarray) -> np.ndarray:
        if self.pooling_ == "mean":
            return Sx.mean(axis=-1)
        return Sx.reshape(Sx.shape[0], -1)

    def fit(self, X: Any, y: Any = None) -> ScatteringTransformer:
        """Build the transform for signals of length ``X.shape[1]`` and learn normalisation.

        Parameters
        ----------
        X : array-like, shape (n_samples, N)
            Training signals, one per row (N >= 2).
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : ScatteringTransformer
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_features=2)
        self.J_, self.scattering_ = self._build(X.shape[1])
        self.stats_ = None
        Sx = np.asarray(self.scattering_(X))
        if self.log_normalize:
            self.stats_ = fit_normalization(Sx)
        self.n_paths_, self.n_times_ = Sx.shape[-2:]
        # Fixed by fit, as J and Q are: a set_params(pooling=...) takes effect at the next fit
        # (it changed the width of transform's output under a fitted downstream estimator).
        self.pooling_ = self.pooling
        per_path = 1 if self.pooling_ == "mean" else self.n_times_
        self.n_features_out_ = int(self.n_paths_ * per_path)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scattering features of each signal.

        Parameters
        ----------
        X : array-like, shape (n_samples, N)
            Signals of the length seen in :meth:`fit`.

        Returns
        -------
        features : ndarray, shape (n_samples, ``n_features_out_``), float64
        """
        check_is_fitted(self, "scattering_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._pool(self._coefficients(X))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names ``S<order>_<n1>-<n2>`` (``_t<k>`` appended per time step when flattening).

        Parameters
        ----------
        input_features : None or array-like of str
            Ignored apart from a length check against ``n_features_in_``.

        Returns
        -------
        names : ndarray of str, shape (``n_features_out_``,)
        """
        check_is_fitted(self, "scattering_")
        if input_features is not None and len(input_features) != self.n_features_in_:
            raise ValueError(
                f"input_features has {len(input_features)} names but the transformer was "
                f"fitted on {self.n_features_in_} features."
            )
        meta = self.scattering_.meta()
        paths = [
            f"S{int(o)}_" + "-".join(str(int(k)) for k in key) if key else f"S{int(o)}"
            for o, key in zip(meta["order"], meta["key"], strict=True)
        ]
        if self.pooling_ == "flatten":
            paths = [f"{p}_t{t}" for p in paths for t in range(self.n_times_)]
        return np.asarray(paths, dtype=object)
