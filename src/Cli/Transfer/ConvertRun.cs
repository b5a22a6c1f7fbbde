using System.Collections.Concurrent;
using Amazon.Runtime;
using Pipeline.Cli.Jobs;
using Pipeline.Cli.Progress;
using Pipeline.Errors;
using Pipeline.Jobs;

namespace Pipeline.Cli.Transfer;

/// <summary>
/// One run of <c>convert</c>: compares each file with the job of its key (an input of the same
/// content, by ETag, is not uploaded again), uploads the rest, waits for the worker, and
/// copies each result, or report, into the out-folder as soon as its job is over. Only the
/// keys of this folder's files are read or downloaded. Cancelling stops uploads, waiting and
/// downloads where they are (a download is written under a temporary name and renamed when
/// complete); what was uploaded stays, so the next run resumes.
/// </summary>
public sealed class ConvertRun
{
    // How often jobs are polled.
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly JobStore _store;
    private readonly Uploader _uploader;
    private readonly FolderMapping _folder;
    private readonly int _concurrency;
    private readonly Action<string> _say;

    /// <summary>Creates a run over <paramref name="folder"/>; <paramref name="say"/> prints a line.</summary>
    public ConvertRun(JobStore store, Uploader uploader, FolderMapping folder, int concurrency, Action<string> say)
    {
        _store = store;
        _uploader = uploader;
        _folder = folder;
        _concurrency = concurrency;
        _say = say;
    }

    /// <summary>The run's counts and failures (paths relative to the folder).</summary>
    public RunTally Tally { get; } = new("uploaded");

    /// <summary>How long the run waits, everything uploaded and no job finishing, before it says that no worker seems to be converting.</summary>
    public TimeSpan StallHint { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Runs to the end; when <paramref name="cancellationToken"/> fires, throws whatever the stop interrupted.</summary>
    public async Task RunAsync(IReadOnlyList<LocalFile> files, CancellationToken cancellationToken)
    {
        Tally.Start();
        Tally.Total = files.Count;
        var etags = new ConcurrentDictionary<LocalFile, string>();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (file, token) =>
        {
            if (FolderMapping.Unusable(file) is { } reason)
            {
                Tally.Fail(file.RelativePath, reason);
                return;
            }
            try
            {
                etags[file] = await S3ETag.OfFileAsync(file.FullPath, token);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Tally.Fail(file.RelativePath, $"cannot be read ({e.Message})");
            }
        });

        // Only this folder's keys are read: other objects under the prefix are none of this run's business.
        var versions = await _store.InputVersionsAsync(_folder.Prefix, cancellationToken);
        var stored = etags.Keys.Select(f => f.Key).Where(versions.ContainsKey).ToList();
        var jobs = (await _store.ReadManyAsync(_folder.Prefix, stored, cancellationToken)).ToDictionary(j => j.Key, StringComparer.Ordinal);
        var byKey = etags.Keys.ToDictionary(f => f.Key, StringComparer.Ordinal);
        var waiter = new JobWaiter(_store, _folder.Prefix);
        var ready = new List<JobState>();
        var toUpload = new List<(LocalFile File, string? OutputETag)>();
        foreach (var (file, etag) in etags.OrderBy(e => e.Key.RelativePath, StringComparer.Ordinal))
        {
            var job = jobs.GetValueOrDefault(file.Key);
            if (job is null || versions[file.Key] != etag)
                toUpload.Add((file, job?.OutputETag)); // new, or changed since it was uploaded
            else if (job.IsFinishedFor(etag))
                ready.Add(job);
            else if (job.FailedTransiently)
                toUpload.Add((file, job.OutputETag)); // processing gave up on it: uploading again retries
            else
                waiter.Add(file.Key, etag, job.OutputETag); // uploaded before; its event is on its way
        }
        Tally.ToSend = toUpload.Count;
        _say($"{files.Count} files in {_folder.Root} → s3://{_store.Storage.InputBucket}/{_folder.Prefix}: {toUpload.Count} to upload, {files.Count - toUpload.Count - Tally.Snapshot().Failed} already there");

        var uploads = Parallel.ForEachAsync(toUpload, new ParallelOptions { MaxDegreeOfParallelism = _concurrency, CancellationToken = cancellationToken }, async (item, token) =>
        {
            try
            {
                await _uploader.UploadAsync(item.File, token);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or UnauthorizedAccessException && !token.IsCancellationRequested)
            {
                Tally.Fail(item.File.RelativePath, $"upload failed ({e.GetType().Name}: {e.Message})");
                return;
            }
            Tally.AddSent();
            waiter.Add(item.File.Key, etags[item.File], item.OutputETag);
        });
        try
        {
            await FinishAsync(ready, byKey, waiter, etags, thisRun: false, cancellationToken);
            var lastProgress = Tally.Snapshot().Elapsed;
            bool hinted = false;
            while (true)
            {
                var (over, changed) = await waiter.PollAsync(cancellationToken);
                await FinishAsync(over, byKey, waiter, etags, thisRun: true, cancellationToken);
                foreach (var key in changed)
                    Tally.Fail(byKey[key].RelativePath, "changed or deleted in the bucket by someone else before its job finished; run again to upload it again", thisRun: true);
                if (uploads.IsCompleted && waiter.Count == 0)
                    break;
                var elapsed = Tally.Snapshot().Elapsed;
                if (over.Count + changed.Count > 0)
                    lastProgress = elapsed;
                else if (!hinted && uploads.IsCompleted && elapsed - lastProgress > StallHint)
                {
                    hinted = true;
                    _say($"no job has finished for {StallHint.TotalSeconds:0} s while {waiter.Count} wait: no worker seems to be converting. Check that it runs: locally, ./run.sh stops when its worker dies and logs it to artifacts/logs/worker.log; on AWS, the worker function's logs.");
                    _say($"Objects stored while notifications were off need: pipeline backfill s3://{_store.Storage.InputBucket}/{_folder.Prefix}");
                }
                await Task.Delay(PollInterval, cancellationToken);
            }
        }
        finally
        {
            await uploads.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await uploads; // a failure other than those recorded per file
    }

    private async Task FinishAsync(List<JobState> jobs, Dictionary<string, LocalFile> byKey, JobWaiter waiter, ConcurrentDictionary<LocalFile, string> etags, bool thisRun, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (job, token) =>
        {
            var file = byKey[job.Key];
            if (!await DownloadAsync(job, file, token))
            {
                waiter.Add(job.Key, etags[file], null); // replaced since it was read: read it again
                return;
            }
            Tally.Finished(file.RelativePath, job, thisRun);
        });
    }

    /// <summary>Writes the job's result or report where it belongs and removes the other, unless already there.</summary>
    private async Task<bool> DownloadAsync(JobState job, LocalFile file, CancellationToken cancellationToken)
    {
        var (path, other) = job.Status == JobStatus.Done
            ? (_folder.ResultPath(file), _folder.ReportPath(file))
            : (_folder.ReportPath(file), _folder.ResultPath(file));
        if (await S3ETag.Md5OfFileAsync(path, cancellationToken) != job.OutputETag)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var partial = path + ".download";
            try
            {
                bool copied;
                await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                    copied = await _store.CopyOutputAsync(job, output, cancellationToken);
                if (!copied)
                    return false;
                File.Move(partial, path, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }
        }
        File.Delete(other);
        return true;
    }
}
