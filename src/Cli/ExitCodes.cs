namespace Pipeline.Cli;

/// <summary>What the command's exit status means.</summary>
public static class ExitCodes
{
    /// <summary>Everything converted (convert, backfill), the status was read, or no check failed (verify).</summary>
    public const int Ok = 0;

    /// <summary>At least one file or object failed, each listed above the summary, or a check failed (verify).</summary>
    public const int SomeFailed = 1;

    /// <summary>The command line or the configuration is wrong.</summary>
    public const int Usage = 2;

    /// <summary>Storage or the queue could not be reached.</summary>
    public const int Unavailable = 3;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT); running the command again resumes (verify deletes what it created first).</summary>
    public const int Interrupted = 130;
}
