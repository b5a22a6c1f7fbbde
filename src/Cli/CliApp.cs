using System.CommandLine;
using Pipeline.Cli.Commands;
using Pipeline.Cli.Terminal;
using Pipeline.Errors;
using Pipeline.Signals;

namespace Pipeline.Cli;

/// <summary>
/// The command line: <c>convert</c>, <c>status</c>, <c>backfill</c> and <c>verify</c> with the options that
/// find the stack. Ctrl-C (or SIGTERM) cancels the command, which stops cleanly and says how
/// to resume; errors of the pipeline's vocabulary are printed as one line and set the exit status.
/// </summary>
public static class CliApp
{
    /// <summary>Runs the command line <paramref name="args"/> with variables from <paramref name="environment"/>.</summary>
    public static async Task<int> RunAsync(string[] args, Func<string, string?> environment)
    {
        var target = new TargetOptions();
        var root = new RootCommand("Converts folders of images to grayscale through the Pipeline stack (the local one after ./run.sh, or one on AWS), and verifies a stack works.")
        {
            ConvertCommand.Create(target, environment),
            StatusCommand.Create(target, environment),
            BackfillCommand.Create(target, environment),
            VerifyCommand.Create(target, environment),
        };
        foreach (var option in target.All)
            root.Add(option);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("see: pipeline --help");
            return ExitCodes.Usage;
        }

        using var stop = new StopSignal();
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, stop.Token);
        }
        catch (PipelineException e)
        {
            var endpoint = e.Code == ErrorCode.Unavailable && environment("AWS_ENDPOINT_URL") is { Length: > 0 } url
                ? $" (endpoint {url}: for the local stack, is ./run.sh running?)"
                : "";
            Console.Error.WriteLine($"error: {e.Message}{endpoint}");
            return e.Code == ErrorCode.Unavailable ? ExitCodes.Unavailable : ExitCodes.Usage;
        }
        catch (Exception) when (stop.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine("stopped before any work started.");
            return ExitCodes.Interrupted;
        }
    }
}
