using System.Globalization;
using Amazon.Runtime;
using Pipeline.Errors;

namespace Pipeline.Cli.Checks;

/// <summary>
/// One run of <c>verify</c>: every check in turn, each printed as one line
/// (<see cref="CheckLine"/>) as soon as it ends, then everything the run created deleted,
/// whether the checks passed, failed or were interrupted. Checks the local stack has no
/// counterpart for are skipped there.
/// </summary>
public sealed class VerifyRun
{
    // How long deleting what the run created may take once the checks are over (or stopped).
    private static readonly TimeSpan CleanupTime = TimeSpan.FromSeconds(60);

    private readonly StackUnderTest _stack;
    private readonly TimeSpan _timeout;
    private readonly Action<string> _say;
    private readonly Leftovers _leftovers = new();
    private readonly List<CheckLine> _lines = [];

    /// <summary>A run against <paramref name="stack"/>; <paramref name="timeout"/> bounds each wait for the worker; <paramref name="say"/> prints a line.</summary>
    public VerifyRun(StackUnderTest stack, TimeSpan timeout, Action<string> say)
    {
        _stack = stack;
        _timeout = timeout;
        _say = say;
    }

    /// <summary>The key prefix this run writes under in both buckets, e.g. <c>verify-20261210T101500-1a2b3c4d/</c>.</summary>
    public string Prefix { get; } = string.Create(CultureInfo.InvariantCulture, $"verify-{DateTime.UtcNow:yyyyMMdd'T'HHmmss}-{Guid.NewGuid().ToString("N")[..8]}/");

    /// <summary>Every line printed so far.</summary>
    public IReadOnlyList<CheckLine> Lines => _lines;

    /// <summary>Runs the checks and the clean-up; returns the exit status (0 all ok or skipped, 1 any failed, 130 stopped).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(35) };
        using var s3 = _stack.Target.Aws.CreateS3Client();
        using var sqs = _stack.Target.CreateSqsClient();
        _say(_stack.IsLocal
            ? $"verifying the local stack: API {_stack.ApiUrl}, buckets {_stack.Target.InputBucket} and {_stack.Target.OutputBucket}, writing under {Prefix}"
            : $"verifying the stack {_stack.Cloud!.Name}: API {_stack.ApiUrl}, buckets {_stack.Target.InputBucket} and {_stack.Target.OutputBucket}, writing under {Prefix}");
        IEnumerable<Check> checks =
        [
            .. new ApiChecks(_stack, http, _leftovers, _timeout).All(),
            .. new BucketChecks(_stack, s3, _leftovers, Prefix, _timeout).All(),
            .. new AwsChecks(_stack, sqs, started, _timeout).All(),
        ];
        bool stopped = false;
        try
        {
            foreach (var check in checks)
                Print(await RunAsync(check, cancellationToken));
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            stopped = true;
            _say("stopped: deleting what this run created");
        }
        finally
        {
            using var cleanup = new CancellationTokenSource(CleanupTime);
            Print(await CleanUpAsync(s3, cleanup.Token));
        }

        int failed = _lines.Count(l => l.Outcome == CheckOutcome.Fail);
        _say(string.Create(CultureInfo.InvariantCulture,
            $"{_lines.Count(l => l.Outcome == CheckOutcome.Ok)} ok, {failed} failed, {_lines.Count(l => l.Outcome == CheckOutcome.Skip)} skipped{(stopped ? "; stopped before the end" : "")}"));
        return stopped ? ExitCodes.Interrupted : failed > 0 ? ExitCodes.SomeFailed : ExitCodes.Ok;
    }

    private async Task<CheckLine> RunAsync(Check check, CancellationToken cancellationToken)
    {
        if (check.AwsOnly && _stack.IsLocal)
            return new CheckLine(CheckOutcome.Skip, check.What, "AWS only");
        try
        {
            await check.RunAsync(cancellationToken);
            return new CheckLine(CheckOutcome.Ok, check.What);
        }
        catch (CheckException e)
        {
            return new CheckLine(e.Outcome, check.What, e.Message);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is PipelineException or AmazonServiceException or HttpRequestException or TaskCanceledException)
        {
            var what = e is TaskCanceledException ? "no answer within 35 s" : $"{e.GetType().Name}: {e.Message}";
            return new CheckLine(CheckOutcome.Fail, check.What, $"{what}; {(e is AmazonServiceException or PipelineException ? "can these credentials reach the stack's buckets and queue?" : _stack.ApiHint)}");
        }
    }

    private async Task<CheckLine> CleanUpAsync(Amazon.S3.IAmazonS3 s3, CancellationToken cancellationToken)
    {
        const string What = "everything this run created is deleted";
        var areas = string.Join(", ", _leftovers.Describe());
        try
        {
            var (deleted, remaining) = await _leftovers.DeleteAsync(s3, _stack.Target.InputBucket, cancellationToken);
            if (remaining.Count > 0)
                return new CheckLine(CheckOutcome.Fail, What, $"{remaining.Count} objects remain, e.g. {remaining[0]}: delete {areas} by hand (aws s3 rm --recursive)");
            return new CheckLine(CheckOutcome.Ok, What + string.Create(CultureInfo.InvariantCulture, $" ({deleted} objects)"));
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or OperationCanceledException)
        {
            return new CheckLine(CheckOutcome.Fail, What, $"{e.GetType().Name}: {e.Message}: delete {areas} by hand (aws s3 rm --recursive)");
        }
    }

    private void Print(CheckLine line)
    {
        _lines.Add(line);
        _say(line.ToString());
    }
}
