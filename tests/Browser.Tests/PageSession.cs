using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Pipeline.Tests.Browser;

/// <summary>
/// One browser tab on the page, as a person uses it: files go in through the file input (or a
/// drop, or a paste), results come out as downloads saved to the test's own folder. It records
/// every request the page makes and every console problem, so tests can check which path a photo
/// took and that the Content-Security-Policy blocked nothing the page needs.
/// </summary>
public sealed class PageSession : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly IBrowserContext _context;
    private readonly PipelineStack _stack;
    private readonly ConcurrentQueue<IRequest> _requests = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly TempDirectory _folder = new("browser-");

    private PageSession(IBrowserContext context, IPage page, PipelineStack stack)
    {
        _context = context;
        Page = page;
        _stack = stack;
        page.Request += (_, request) => _requests.Enqueue(request);
        page.PageError += (_, error) => _problems.Enqueue("page error: " + error);
        page.Console += (_, message) =>
        {
            // A 4xx answer the page handles is logged by Chromium as "Failed to load resource"; anything else is a problem.
            if (message.Type is "error" or "warning" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                _problems.Enqueue($"console {message.Type}: {message.Text}");
        };
    }

    /// <summary>The tab.</summary>
    public IPage Page { get; }

    /// <summary>The test's own folder: input files and downloads.</summary>
    public string Folder => _folder.Path;

    /// <summary>Every request the page made so far.</summary>
    public IReadOnlyList<IRequest> Requests => [.. _requests];

    /// <summary>Console errors and warnings (CSP violations among them) and uncaught exceptions.</summary>
    public IReadOnlyList<string> Problems => [.. _problems];

    /// <summary>Opens <paramref name="site"/> in a new tab of <paramref name="context"/>.</summary>
    public static async Task<PageSession> OpenAsync(IBrowserContext context, Uri site, PipelineStack stack)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        var session = new PageSession(context, page, stack);
        var response = await page.GotoAsync(site.ToString());
        Assert.Equal(200, response?.Status);
        return session;
    }

    /// <summary>Writes <paramref name="files"/> to the test's folder; returns their paths.</summary>
    public string[] Write(params (string Name, byte[] Bytes)[] files) =>
        [.. files.Select(f =>
        {
            var path = Path.Combine(Folder, f.Name);
            File.WriteAllBytes(path, f.Bytes);
            return path;
        })];

    /// <summary>Picks <paramref name="paths"/> with the file input.</summary>
    public Task ChooseAsync(params string[] paths) => Page.GetByTestId("file-input").SetInputFilesAsync(paths);

    /// <summary>
    /// Waits until <paramref name="count"/> items have finished, done or failed, and returns the
    /// finished ones' test ids; a timeout names what the items showed and what the hosts logged.
    /// </summary>
    public async Task<string[]> SettleAsync(int count)
    {
        try
        {
            await Page.WaitForFunctionAsync(
                "n => document.querySelectorAll('.item[data-state=done], .item[data-state=failed]').length >= n",
                count,
                new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{count} items did not finish: {string.Join(" | ", await ItemTextsAsync())}\n{_stack.Describe()}", e);
        }
        var items = Page.Locator(".item");
        var ids = new string[await items.CountAsync()];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = await items.Nth(i).GetAttributeAsync("data-testid") ?? "(unfinished)";
        return ids;
    }

    /// <summary>What every item shows, for failure messages.</summary>
    public async Task<IReadOnlyList<string>> ItemTextsAsync() =>
        [.. (await Page.Locator(".item").AllInnerTextsAsync()).Select(t => t.ReplaceLineEndings(" "))];

    /// <summary>Clicks <paramref name="link"/> and saves what the browser downloads to the test's folder; returns the file's path.</summary>
    public async Task<string> DownloadAsync(ILocator link)
    {
        var download = await Page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var path = Path.Combine(Folder, "downloads", download.SuggestedFilename);
        await download.SaveAsAsync(path);
        return path;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        _folder.Dispose();
    }
}
