from .setup_env import register_all_modules, setup_tool_process

__all__ = ['register_all_modules', 'setup_tool_process']
