using System.Collections.Concurrent;
using Amazon.Runtime;
using Pipeline.Cli.Storage;
using Pipeline.Jobs;

namespace Pipeline.Cli.Runs;

/// <summary>
/// One run of <c>convert</c>, in four steps: hash each file (its S3 ETag), classify it against
/// the job of its key (an input of the same content is not uploaded again), upload the rest,
/// and wait, copying each result, or report, into the out-folder as soon as its job is over.
/// Only the keys of this folder's files are read or downloaded. Cancelling stops uploads,
/// waiting and downloads where they are (a download is written under a temporary name and
/// renamed when complete); what was uploaded stays, so the next run resumes.
/// </summary>
public sealed class ConvertRun
{
    private const string ChangedReason = "changed or deleted in the bucket by someone else before its job finished; run again to upload it again";

    private readonly JobStore _store;
    private readonly Uploader _uploader;
    private readonly FolderMapping _folder;
    private readonly int _concurrency;
    private readonly Action<string> _say;
    private readonly JobWaiter _waiter;
    // Each usable file by key, with its ETag.
    private readonly ConcurrentDictionary<string, (LocalFile File, string ETag)> _files = new(StringComparer.Ordinal);

    /// <summary>Creates a run over <paramref name="folder"/>; <paramref name="say"/> prints a line.</summary>
    public ConvertRun(JobStore store, Uploader uploader, FolderMapping folder, int concurrency, Action<string> say)
    {
        _store = store;
        _uploader = uploader;
        _folder = folder;
        _concurrency = concurrency;
        _say = say;
        _waiter = new JobWaiter(store, folder.Prefix);
    }

    /// <summary>How long no job may finish before the run says that no worker seems to be converting.</summary>
    public TimeSpan StallHint
    {
        get => _waiter.StallAfter;
        init => _waiter.StallAfter = value;
    }

    /// <summary>The run's counts and failures (paths relative to the folder).</summary>
    public RunTally Tally { get; } = new("uploaded");

    /// <summary>Runs to the end; when <paramref name="cancellationToken"/> fires, throws whatever the stop interrupted.</summary>
    public async Task RunAsync(IReadOnlyList<LocalFile> files, CancellationToken cancellationToken)
    {
        Tally.Start();
        Tally.Total = files.Count;
        await HashAsync(files, cancellationToken);
        var (ready, toUpload) = await ClassifyAsync(cancellationToken);
        Tally.ToSend = toUpload.Count;
        _say($"{files.Count} files in {_folder.Root} → s3://{_store.Storage.InputBucket}/{_folder.Prefix}: {toUpload.Count} to upload, {files.Count - toUpload.Count - Tally.Snapshot().Failed} already there");

        var uploads = UploadAsync(toUpload, cancellationToken);
        try
        {
            await FinishAsync(ready, thisRun: false, cancellationToken);
            await _waiter.WaitAllAsync(uploads, async round =>
            {
                await FinishAsync(round.Over, thisRun: true, cancellationToken);
                foreach (var key in round.Changed)
                    Tally.Fail(_files[key].File.RelativePath, ChangedReason, thisRun: true);
            }, waiting =>
            {
                _say(_waiter.StallMessage(waiting));
                _say($"Objects stored while notifications were off need: pipeline backfill s3://{_store.Storage.InputBucket}/{_folder.Prefix}");
            }, cancellationToken);
        }
        finally
        {
            await uploads.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await uploads; // a failure other than those recorded per file
    }

    /// <summary>Step 1: the ETag of every usable file; the others are counted as failed with their reason.</summary>
    private Task HashAsync(IReadOnlyList<LocalFile> files, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (file, token) =>
        {
            if (FolderMapping.Unusable(file) is { } reason)
            {
                Tally.Fail(file.RelativePath, reason);
                return;
            }
            try
            {
                _files[file.Key] = (file, await S3ETag.OfFileAsync(file.FullPath, token));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Tally.Fail(file.RelativePath, $"cannot be read ({e.Message})");
            }
        });

    /// <summary>
    /// Step 2: each file against the job of its key: finished for this content (to download),
    /// to upload (new, changed, or given up on), or uploaded before and still pending (awaited).
    /// </summary>
    private async Task<(List<JobState> Ready, List<(LocalFile File, string? OutputETag)> ToUpload)> ClassifyAsync(CancellationToken cancellationToken)
    {
        // Only this folder's keys are read: other objects under the prefix are none of this run's business.
        var versions = await _store.InputVersionsAsync(_folder.Prefix, cancellationToken);
        var stored = _files.Keys.Where(versions.ContainsKey).ToList();
        var jobs = (await _store.ReadManyAsync(_folder.Prefix, stored, cancellationToken)).ToDictionary(j => j.Key, StringComparer.Ordinal);
        var ready = new List<JobState>();
        var toUpload = new List<(LocalFile File, string? OutputETag)>();
        foreach (var (file, etag) in _files.Values.OrderBy(f => f.File.RelativePath, StringComparer.Ordinal))
        {
            var job = jobs.GetValueOrDefault(file.Key);
            if (job is null || versions[file.Key] != etag)
                toUpload.Add((file, job?.OutputETag)); // new, or changed since it was uploaded
            else if (job.IsFinishedFor(etag))
                ready.Add(job);
            else if (job.FailedTransiently)
                toUpload.Add((file, job.OutputETag)); // processing gave up on it: uploading again retries
            else
                _waiter.Add(file.Key, etag, job.OutputETag); // uploaded before; its event is on its way
        }
        return (ready, toUpload);
    }

    /// <summary>Step 3: uploads, <see cref="_concurrency"/> at once; each uploaded file is awaited.</summary>
    private Task UploadAsync(List<(LocalFile File, string? OutputETag)> toUpload, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(toUpload, new ParallelOptions { MaxDegreeOfParallelism = _concurrency, CancellationToken = cancellationToken }, async (item, token) =>
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
            _waiter.Add(item.File.Key, _files[item.File.Key].ETag, item.OutputETag);
        });

    /// <summary>Step 4: the over jobs' results or reports into the out-folder; one replaced since it was read is awaited again.</summary>
    private Task FinishAsync(List<JobState> jobs, bool thisRun, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (job, token) =>
        {
            var (file, etag) = _files[job.Key];
            if (_folder.LinkInOutFolder(file) is { } link)
            {
                Tally.Fail(file.RelativePath, $"the out-folder has a symbolic link at {link}, which is not followed; remove it and run again", thisRun);
                return;
            }
            if (!await DownloadAsync(job, file, token))
            {
                _waiter.Add(job.Key, etag, null); // replaced since it was read: read it again
                return;
            }
            Tally.Finished(file.RelativePath, job, thisRun);
        });

    /// <summary>Writes the job's result or report where it belongs and removes the other, unless already there.</summary>
    private async Task<bool> DownloadAsync(JobState job, LocalFile file, CancellationToken cancellationToken)
    {
        var (path, other) = job.Status == JobStatus.Done
            ? (_folder.ResultPath(file), _folder.ReportPath(file))
            : (_folder.ReportPath(file), _folder.ResultPath(file));
        if (await S3ETag.Md5OfFileAsync(path, cancellationToken) != job.OutputETag)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var partial = FolderMapping.PartialPath(path);
            File.Delete(partial); // a leftover of a stopped run (a link is removed, not followed)
            try
            {
                bool copied;
                // CreateNew: the name must not exist, so a link planted there since is not written through.
                await using (var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
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
