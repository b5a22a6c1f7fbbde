namespace Pipeline.Jobs;

/// <summary>What one delivery of an input did, as the worker logs and counts it.</summary>
/// <param name="Outcome">What became of it.</param>
/// <param name="ErrorCode">The report's code when <paramref name="Outcome"/> is <see cref="JobOutcome.Rejected"/>.</param>
public sealed record JobDelivery(JobOutcome Outcome, string? ErrorCode = null);
