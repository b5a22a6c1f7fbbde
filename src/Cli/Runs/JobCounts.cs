using System.Globalization;
using Pipeline.Jobs;

namespace Pipeline.Cli.Runs;

/// <summary>How the jobs under a prefix stand, as <c>status</c> prints them.</summary>
/// <param name="Converted">Done for the input's current version.</param>
/// <param name="Failed">Failed, each with its job.</param>
/// <param name="Pending">Neither yet.</param>
public sealed record JobCounts(int Converted, List<JobState> Failed, int Pending)
{
    /// <summary>Counts <paramref name="jobs"/> (as <see cref="JobStore.ListAsync"/> returns them).</summary>
    public static JobCounts Of(IReadOnlyCollection<JobState> jobs)
    {
        var failed = jobs.Where(j => j.Status == JobStatus.Failed).ToList();
        int converted = jobs.Count(j => j.Status == JobStatus.Done);
        return new JobCounts(converted, failed, jobs.Count - converted - failed.Count);
    }

    /// <summary>True when none is pending.</summary>
    public bool Finished => Pending == 0;

    /// <summary><c>&lt;n&gt; converted, &lt;m&gt; failed, &lt;p&gt; pending of &lt;total&gt; inputs under s3://…: finished</c> (or <c>not finished</c>).</summary>
    public string Line(string bucket, string prefix) => string.Create(CultureInfo.InvariantCulture,
        $"{Converted} converted, {Failed.Count} failed, {Pending} pending of {Converted + Failed.Count + Pending} inputs under s3://{bucket}/{prefix}: {(Finished ? "finished" : "not finished")}");
}
