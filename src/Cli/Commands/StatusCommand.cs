using System.CommandLine;
using System.Globalization;
using Pipeline.Jobs;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline status [s3://bucket/prefix]</c>: how the jobs under a prefix stand, whoever started them.</summary>
public static class StatusCommand
{
    // Failures listed by name; the rest are counted.
    private const int ListedFailures = 20;

    /// <summary>The command, resolving its target with <paramref name="target"/>.</summary>
    public static Command Create(TargetOptions target, Func<string, string?> environment)
    {
        var location = new Argument<string?>("location") { Description = "s3://bucket/prefix in the input (or output) bucket; default: the whole input bucket", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Counts the inputs under a prefix that are converted, failed and pending, and says whether all are finished.") { location };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var stack = target.Resolve(parsed, environment);
            var prefix = stack.PrefixOf(parsed.GetValue(location));
            var jobs = await stack.CreateStore().ListAsync(prefix, cancellationToken);
            var failed = jobs.Where(j => j.Status == JobStatus.Failed).ToList();
            foreach (var job in failed.Take(ListedFailures))
                Console.Out.WriteLine($"failed: {job.Key}: {job.Error?.Code}: {job.Error?.Message}");
            if (failed.Count > ListedFailures)
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"... and {failed.Count - ListedFailures} more failed"));
            int converted = jobs.Count(j => j.Status == JobStatus.Done);
            int pending = jobs.Count - converted - failed.Count;
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{converted} converted, {failed.Count} failed, {pending} pending of {jobs.Count} inputs under s3://{stack.InputBucket}/{prefix}: {(pending == 0 ? "finished" : "not finished")}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
