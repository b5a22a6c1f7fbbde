namespace Pipeline.Cli.Checks;

/// <summary>A check's line of output: <c>ok|FAIL|skip &lt;what&gt; — &lt;what to do&gt;</c>.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="What">The behaviour checked.</param>
/// <param name="Hint">What was seen and what to do (a failure), or why it was skipped.</param>
public sealed record CheckLine(CheckOutcome Outcome, string What, string? Hint = null)
{
    /// <inheritdoc/>
    public override string ToString()
    {
        var word = Outcome switch
        {
            CheckOutcome.Ok => "ok  ",
            CheckOutcome.Fail => "FAIL",
            _ => "skip",
        };
        return Hint is null ? $"{word} {What}" : $"{word} {What} — {Hint}";
    }
}
