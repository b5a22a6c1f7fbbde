using Pipeline.Jobs;

namespace Pipeline.Cli.Runs;

/// <summary>
/// What one look at the awaited jobs found: the jobs that are <paramref name="Over"/>, and the
/// input keys that <paramref name="Changed"/> (overwritten or deleted) before their job finished.
/// </summary>
public sealed record WaitRound(List<JobState> Over, List<string> Changed);
