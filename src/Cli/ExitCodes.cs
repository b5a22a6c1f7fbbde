namespace Pipeline.Cli;

/// <summary>What the command's exit status means.</summary>
public static class ExitCodes
{
    /// <summary>Everything converted (convert, backfill), or the status was read.</summary>
    public const int Ok = 0;

    /// <summary>At least one file or object failed; each is listed above the summary.</summary>
    public const int SomeFailed = 1;

    /// <summary>The command line or the configuration is wrong.</summary>
    public const int Usage = 2;

    /// <summary>Storage or the queue could not be reached.</summary>
    public const int Unavailable = 3;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT); running the command again resumes.</summary>
    public const int Interrupted = 130;
}
