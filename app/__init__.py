"""ShotClone: a screenshot in, one self-contained HTML file out, on your own machine."""

__version__ = "0.1.0"
