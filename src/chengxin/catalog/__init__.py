"""The public credit information catalog (公共信用信息目录): record kinds and their rules."""
