using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Local;

/// <summary>
/// One short line per request for a terminal (time, method, path, status, duration, sizes),
/// while the full JSON log goes to a file. Paths are cut short and stripped of control
/// characters, so a request cannot write escape sequences into the terminal.
/// </summary>
public sealed class RequestLines
{
    private const int MaxPathLength = 60;
    private readonly TextWriter _output;

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public RequestLines(TextWriter output) => _output = TextWriter.Synchronized(output);

    /// <summary>Writes the line of a request the gateway has answered.</summary>
    public void Write(HttpContext http, TimeSpan elapsed)
    {
        var path = new string([.. (http.Request.Path.Value ?? "/").Select(c => char.IsControl(c) ? '?' : c)]);
        if (path.Length > MaxPathLength)
            path = path[..(MaxPathLength - 1)] + "…";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.Now:HH:mm:ss} {http.Request.Method} {path} {http.Response.StatusCode} {elapsed.TotalMilliseconds:0} ms {Size(http.Request.ContentLength ?? 0)} in, {Size(http.Response.ContentLength ?? 0)} out");
        _output.WriteLine(line);
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
    };
}
