"""Chengxin (诚信): provincial personal public credit information platform."""

__version__ = "0.1.0"
