"""The program as content: loading, validating and rendering what editors write."""

from reconnect.program.loader import ProgramError, load_program_dir, parse_program
from reconnect.program.model import Program, Prompt, Stage

__all__ = ["Program", "ProgramError", "Prompt", "Stage", "load_program_dir", "parse_program"]
