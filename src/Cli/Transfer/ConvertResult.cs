using Pipeline.Cli.Jobs;

namespace Pipeline.Cli.Transfer;

/// <summary>What a convert run did.</summary>
/// <param name="Files">Files under the folder.</param>
/// <param name="Uploaded">Files uploaded by this run.</param>
/// <param name="Converted">Files whose result is in the out-folder.</param>
/// <param name="Failed">Files that failed (listed in <paramref name="Failures"/>).</param>
/// <param name="Failures">Each failure, in path order.</param>
/// <param name="Interrupted">True when stopped before the end (Ctrl-C).</param>
/// <param name="Elapsed">How long it took.</param>
public sealed record ConvertResult(int Files, int Uploaded, int Converted, int Failed, IReadOnlyList<Failure> Failures, bool Interrupted, TimeSpan Elapsed);
