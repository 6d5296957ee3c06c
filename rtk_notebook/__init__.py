"""rtk_notebook: explore Cloudflare RealtimeKit from JupyterLab.

Importing the package is cheap: plotting and widget libraries load when first used.
"""

__version__ = "0.1.0"
