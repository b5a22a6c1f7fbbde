namespace Pipeline.Cli.Checks;

/// <summary>
/// One check of <c>verify</c>: <paramref name="What"/> the stack should do, and how to find
/// out. <paramref name="RunAsync"/> returns when it holds and throws a
/// <see cref="CheckException"/> (or whatever the stack answered with) when not.
/// </summary>
/// <param name="What">The behaviour, e.g. <c>GET /health answers 200 without a key</c>.</param>
/// <param name="AwsOnly">True when the local stack has no counterpart (API Gateway's stages, CloudWatch).</param>
/// <param name="RunAsync">The check.</param>
public sealed record Check(string What, bool AwsOnly, Func<CancellationToken, Task> RunAsync);
