namespace Pipeline.Local;

/// <summary>A command-line option with a value it cannot take; its message says which and why.</summary>
public sealed class OptionException(string message) : Exception(message);
