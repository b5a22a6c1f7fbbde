namespace Pipeline.Errors;

/// <summary>
/// A failure with a code and a message that is safe to show to the client: no paths,
/// no stack traces, no bucket internals. Anything else thrown is treated as a fault.
/// </summary>
public sealed class PipelineException : Exception
{
    /// <summary>Creates an error whose <paramref name="publicMessage"/> is shown to the client as is.</summary>
    public PipelineException(ErrorCode code, string publicMessage, Exception? inner = null)
        : base(publicMessage, inner)
    {
        Code = code;
    }

    /// <summary>What went wrong, as one of the service's codes (its HTTP status: <see cref="ErrorCodes.HttpStatus"/>).</summary>
    public ErrorCode Code { get; }
}
