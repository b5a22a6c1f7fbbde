using System.Globalization;
using System.Collections.Concurrent;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Cli.Terminal;

/// <summary>
/// Shows a run's progress while it works: a live bar with the counts, rate and ETA on a
/// terminal (Spectre.Console), with the run's messages above it, or a plain line every few
/// seconds when output goes to a file or a pipe. Either way nothing is left on the screen but
/// finished lines.
/// </summary>
public sealed class ProgressDisplay
{
    private const int BarWidth = 30;
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(200);

    private readonly ConcurrentQueue<string> _messages = new();
    // On a terminal, lines wait for the live display (which starts after the run) to show them.
    private volatile bool _live = IsTerminal;

    /// <summary>True when standard output is an interactive terminal.</summary>
    public static bool IsTerminal => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Prints a line: above the live bar while it shows, else as it comes.</summary>
    public void Say(string line)
    {
        if (_live)
            _messages.Enqueue(line);
        else
            Console.Out.WriteLine(line);
    }

    /// <summary>Shows <paramref name="read"/>'s snapshots until <paramref name="work"/> completes (its outcome is left to the caller).</summary>
    public async Task ShowAsync(Func<ProgressSnapshot> read, Task work, TimeSpan plainInterval)
    {
        if (IsTerminal)
        {
            await AnsiConsole.Live(Render(read())).AutoClear(false).StartAsync(async live =>
            {
                while (!work.IsCompleted)
                {
                    live.UpdateTarget(Render(read()));
                    await Task.WhenAny(work, Task.Delay(Refresh));
                }
                live.UpdateTarget(Render(read()));
            });
            _live = false;
            return;
        }
        while (!work.IsCompleted)
        {
            await Task.WhenAny(work, Task.Delay(plainInterval));
            if (!work.IsCompleted)
                Console.Out.WriteLine(read().Line());
        }
    }

    private Rows Render(ProgressSnapshot s) =>
        new([.. _messages.Select(m => (IRenderable)new Text(m)), Bar(s)]);

    private static Markup Bar(ProgressSnapshot s)
    {
        int done = s.Converted + s.Failed;
        int filled = s.Total == 0 ? BarWidth : done * BarWidth / s.Total;
        var bar = $"[green]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/]";
        return new Markup(string.Create(CultureInfo.InvariantCulture,
            $"{bar} {done}/{s.Total}  {s.SentVerb} [blue]{s.Sent}/{s.ToSend}[/] · converted [green]{s.Converted}[/] · failed [red]{s.Failed}[/] · remaining {s.Remaining} · {s.Rate:0.0}/s · ETA {ProgressSnapshot.Duration(s.Eta)}"));
    }
}
