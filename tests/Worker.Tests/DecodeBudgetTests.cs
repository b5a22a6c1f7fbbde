using Pipeline.Imaging;
using Pipeline.Worker;

namespace Pipeline.Tests.Worker;

public class DecodeBudgetTests
{
    // A grant happens only inside AcquireAsync (when the budget has room and nobody waits) or
    // when a lease is released or a wait cancelled: a wait not granted by then is pending, and
    // stays so until the next release. No timing is involved in checking that it waits.

    [Fact]
    public async Task Conversions_that_together_exceed_the_budget_wait_their_turn()
    {
        var budget = new DecodeBudget(100);
        var first = await budget.AcquireAsync(60, CancellationToken.None);

        var second = budget.AcquireAsync(60, CancellationToken.None);
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second).Dispose();
        Assert.True(budget.AcquireAsync(100, CancellationToken.None).IsCompletedSuccessfully, "every byte is back");
    }

    [Fact]
    public async Task Waiters_are_served_in_order_so_a_large_image_is_not_starved()
    {
        var budget = new DecodeBudget(100);
        var held = await budget.AcquireAsync(50, CancellationToken.None);
        var large = budget.AcquireAsync(100, CancellationToken.None);
        var small = budget.AcquireAsync(10, CancellationToken.None);

        Assert.False(small.IsCompleted, "a small request must not jump the queue while 50 bytes are free");
        held.Dispose();
        using (await large)
            Assert.False(small.IsCompleted);
        (await small).Dispose();
    }

    [Fact]
    public async Task A_request_larger_than_the_budget_is_refused_and_a_cancelled_wait_frees_the_queue()
    {
        var budget = new DecodeBudget(100);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => budget.AcquireAsync(101, CancellationToken.None));

        var held = await budget.AcquireAsync(90, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var blocked = budget.AcquireAsync(50, cancel.Token);
        var behind = budget.AcquireAsync(10, CancellationToken.None);
        Assert.False(behind.IsCompleted, "it waits behind the 50 bytes");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);
        (await behind).Dispose();
        held.Dispose();
        Assert.True(budget.AcquireAsync(100, CancellationToken.None).IsCompletedSuccessfully, "every byte is back");
    }
}
