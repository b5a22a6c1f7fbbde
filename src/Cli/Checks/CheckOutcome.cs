namespace Pipeline.Cli.Checks;

/// <summary>How a check of <c>verify</c> ended.</summary>
public enum CheckOutcome
{
    /// <summary>The stack does what the check says.</summary>
    Ok,

    /// <summary>It does not; the line says what to do.</summary>
    Fail,

    /// <summary>Not run here (AWS only, or nothing to run it with); the line says why.</summary>
    Skip,
}
