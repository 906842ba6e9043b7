"""LAB FIXTURE: stand-in for RAPIDS cuML in the simulated lab (simlab/standins/miniforge/): scikit-learn's estimators
on the CPU under cuML's names, no GPU."""
import importlib as _importlib
import sys as _sys

__version__ = "26.06.00"
STANDIN = "sparklab stand-in: cuML needs an NVIDIA GPU; these are scikit-learn's estimators on the CPU"
print(f"cuml: {STANDIN}", file=_sys.stderr)
# cuML's name -> the scikit-learn module with the same estimator.
_SKLEARN = {"KMeans": "sklearn.cluster", "DBSCAN": "sklearn.cluster", "HDBSCAN": "sklearn.cluster",
            "PCA": "sklearn.decomposition", "TruncatedSVD": "sklearn.decomposition",
            "LinearRegression": "sklearn.linear_model", "LogisticRegression": "sklearn.linear_model",
            "Ridge": "sklearn.linear_model", "Lasso": "sklearn.linear_model", "ElasticNet": "sklearn.linear_model",
            "NearestNeighbors": "sklearn.neighbors", "KNeighborsClassifier": "sklearn.neighbors",
            "KNeighborsRegressor": "sklearn.neighbors", "RandomForestClassifier": "sklearn.ensemble",
            "RandomForestRegressor": "sklearn.ensemble", "TSNE": "sklearn.manifold"}


def __getattr__(name):
    if name not in _SKLEARN:
        raise AttributeError(f"module 'cuml' (sparklab stand-in) has no attribute {name!r}")
    return getattr(_importlib.import_module(_SKLEARN[name]), name)
