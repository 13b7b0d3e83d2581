"""Python side of the user segmentation project.

dbt does the data work in SQL; this package does what SQL cannot: generating
sample data, fitting and choosing the clustering, measuring stability and
drawing the report.  dbt Python models are thin wrappers around it.
"""

__version__ = "0.1.0"
