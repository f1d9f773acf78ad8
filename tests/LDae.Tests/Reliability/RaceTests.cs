using LDae.Harness.Results;
using Xunit;

namespace LDae.Tests.Reliability;

/// <summary>Builds that overlap: two of the same row, and processes starting while a build rewrites the native library.</summary>
public sealed class RaceTests
{
    [Fact]
    public void Two_builds_of_the_same_row_started_together_leave_one_complete_result()
    {
        using var checkout = new ScratchCheckout();
        var exits = Together(checkout, TinyRow.Args(), TinyRow.Args());
        Assert.All(exits, e => Assert.True(e.Code == 0, e.ToString()));
        Assert.Single(exits, e => e.Out.Contains($"{TinyRow.Row}: wrote"));   // one trained…
        Assert.Single(exits, e => e.Out.Contains($"{TinyRow.Row}: up to date")); // …the other waited for it and found it done
        var metrics = TinyRow.Metrics(checkout);
        Assert.True(ResultStore.IsComplete(metrics, TinyRow.Paths(checkout)));
        var paths = TinyRow.Paths(checkout);
        Assert.False(Directory.Exists(paths.Staging));
        Assert.False(Directory.Exists(paths.Retired));
    }

    [Fact]
    public void Processes_starting_on_a_fresh_build_while_a_build_rewrites_the_native_library_all_load_torch()
    {
        using var fresh = new FreshOutput();
        using var checkout = new ScratchCheckout();
        using var stop = new CancellationTokenSource();
        var rebuild = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // .NET locks a file it copies over; while a process reads the library the copy fails, and a build retries.
                try { fresh.RestoreOriginal(); } catch (IOException) { }
                Thread.Sleep(20);
            }
        });
        rebuild.Start();
        string[] tokenizer = ["tokenizer", "--artifact", "tokenizer/pca-p8-d3", "--profile", "ci", "--set", "tokenizer.fit_images=512"];
        var exits = Together(checkout, fresh.Dir, tokenizer, tokenizer, ["run", "--row", "references/raw-pixels", "--profile", "ci", .. TinyRow.Budget]);
        stop.Cancel();
        rebuild.Join();
        Assert.All(exits, e => Assert.True(e.Code == 0, e.ToString()));
        Assert.All(exits, e => Assert.DoesNotContain("doesn't contain a reference", e.Out + e.Error));
        Assert.False(Directory.Exists(fresh.FallbackFolder), "TorchSharp fell back to copying libtorch");
        Assert.True(fresh.PatchedCopies.Length <= 1, string.Join(", ", fresh.PatchedCopies));
    }

    static LdaeExit[] Together(ScratchCheckout checkout, params string[][] runs) => Together(checkout, null, runs);

    static LdaeExit[] Together(ScratchCheckout checkout, string? output, params string[][] runs)
    {
        var processes = runs.Select(args => new LdaeProcess(checkout, args, output)).ToList();
        try { return processes.Select(p => p.Wait(TimeSpan.FromMinutes(5))).ToArray(); }
        finally { processes.ForEach(p => p.Dispose()); }
    }
}
