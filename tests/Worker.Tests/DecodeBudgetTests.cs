using Pipeline.Imaging;

namespace Pipeline.Tests.Imaging;

public class DecodeBudgetTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task Conversions_that_together_exceed_the_budget_wait_their_turn()
    {
        var budget = new DecodeBudget(100);
        var first = await budget.AcquireAsync(60, CancellationToken.None);

        var second = budget.AcquireAsync(60, CancellationToken.None);
        await Task.Delay(Soon);
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal(100, budget.Available);
    }

    [Fact]
    public async Task Waiters_are_served_in_order_so_a_large_image_is_not_starved()
    {
        var budget = new DecodeBudget(100);
        var held = await budget.AcquireAsync(50, CancellationToken.None);
        var large = budget.AcquireAsync(100, CancellationToken.None);
        var small = budget.AcquireAsync(10, CancellationToken.None);
        await Task.Delay(Soon);

        Assert.False(small.IsCompleted, "a small request must not jump the queue while 50 bytes are free");
        held.Dispose();
        using (await large.WaitAsync(TimeSpan.FromSeconds(5)))
        {
            await Task.Delay(Soon);
            Assert.False(small.IsCompleted);
        }
        (await small.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public async Task An_image_larger_than_the_budget_runs_alone_and_a_cancelled_wait_frees_the_queue()
    {
        var budget = new DecodeBudget(100);
        using (await budget.AcquireAsync(1_000_000, CancellationToken.None))
            Assert.Equal(0, budget.Available);

        var held = await budget.AcquireAsync(90, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var blocked = budget.AcquireAsync(50, cancel.Token);
        var behind = budget.AcquireAsync(10, CancellationToken.None);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);
        (await behind.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        held.Dispose();
        Assert.Equal(100, budget.Available);
    }
}
