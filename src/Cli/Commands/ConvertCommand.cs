using System.CommandLine;
using System.Globalization;
using Pipeline.Cli.Runs;
using Pipeline.Cli.Storage;
using Pipeline.Cli.Terminal;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline convert &lt;folder&gt; &lt;out-folder&gt;</c>: a folder in, grayscale copies and failure reports out.</summary>
public static class ConvertCommand
{
    /// <summary>The command, resolving its target with <paramref name="target"/>.</summary>
    public static Command Create(TargetOptions target, Func<string, string?> environment)
    {
        var folder = new Argument<string>("folder") { Description = "the folder to convert (every file under it, nested folders included; names starting with a dot are skipped)" };
        var outFolder = new Argument<string>("out-folder") { Description = "where results go, at the same relative paths; a failure's reason goes to <path>.error.json" };
        var prefix = new Option<string?>("--prefix") { Description = "the input bucket's key prefix for this folder (default: the folder's name)" };
        var concurrency = new Option<int>("--concurrency") { Description = "files uploaded at once", DefaultValueFactory = _ => 8 };
        var command = new Command("convert", "Uploads every file of a folder, waits for the worker, and downloads each result or failure report.")
        {
            folder, outFolder, prefix, concurrency,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var stack = target.Resolve(parsed, environment);
            var mapping = FolderMapping.Create(parsed.GetValue(folder)!, parsed.GetValue(outFolder)!, parsed.GetValue(prefix));
            var store = stack.CreateStore();
            using var uploader = new Uploader(stack.Aws.CreateS3Client(), stack.InputBucket);
            var display = new ProgressDisplay();
            var run = new ConvertRun(store, uploader, mapping, Math.Max(1, parsed.GetValue(concurrency)), display.Say);
            var files = mapping.Files();
            var work = run.RunAsync(files, cancellationToken);
            await display.ShowAsync(run.Tally.Snapshot, work, TimeSpan.FromSeconds(5));
            bool interrupted = await RunSummary.EndedByStopAsync(work, cancellationToken);

            var s = run.Tally.Snapshot();
            var details = string.Create(CultureInfo.InvariantCulture, $"{s.Total} files, {s.Sent} uploaded, {s.Elapsed.TotalSeconds:0.0} s");
            return RunSummary.Print(run.Tally, interrupted, details, shownRoot: parsed.GetValue(folder)!);
        });
        return command;
    }
}
