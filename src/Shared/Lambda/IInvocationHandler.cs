namespace Pipeline.Lambda;

/// <summary>Handles one invocation: the event JSON in, the response JSON out.</summary>
public interface IInvocationHandler
{
    /// <summary>
    /// Handles <paramref name="invocation"/>. An exception is reported to the Runtime API as
    /// the invocation's error; the loop then continues with the next event.
    /// </summary>
    Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken);
}
