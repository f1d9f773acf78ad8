using LDae.Cli;
using LDae.Data;
using LDae.Harness.Execution;
using LDae.Runtime;
using LDae.Tests.Execution;
using LDae.Tests.Reliability;
using Xunit;

namespace LDae.Tests.Stamps;

/// <summary>`ldae data digest` and `ldae results stamp` as a user (and the build) calls them.</summary>
public sealed class DataCommandsTests : IDisposable
{
    readonly ScratchCheckout checkout = new();

    public void Dispose() => checkout.Dispose();

    (int Code, string Out, string Error) Ldae(params string[] args) => checkout.Ldae(args);

    [Fact]
    public void Data_digest_prints_the_profiles_digest_and_writes_every_rows_for_the_build()
    {
        var (code, output, error) = Ldae("data", "digest", "--profile", "ci");
        Assert.True(code == 0, error);
        TorchRuntime.EnsureLoaded(threads: 1);
        var digest = Datasets.ContentDigest(new DatasetSpec("fashion-mnist", ImageSize: 32), Datasets.DefaultCacheDir());
        Assert.StartsWith($"{digest}  fashion-mnist, 32 px (cache ", output);
        Assert.Single(output.Trim().Split('\n')); // every ci row uses one dataset

        var json = Path.Combine(checkout.Root, "digest.json");
        (code, output, error) = Ldae("data", "digest", "--profile", "ci", "--json", json);
        Assert.True(code == 0, error);
        Assert.Equal("", output); // the build reads the file
        var rows = CliDataDigests.Read(json)!;
        Assert.Equal(BuildTestFiles.Registry.Rows.Select(r => r.FullId).Order(), rows.Keys.Order());
        Assert.All(rows.Values, v => Assert.Equal(digest, v));
    }

    [Fact]
    public void Results_stamp_of_a_profile_without_results_stamps_nothing_and_says_so()
    {
        var (code, output, error) = Ldae("results", "stamp", "--profile", "ci");
        Assert.True(code == 0, error);
        Assert.Equal("ci: stamped 0, stamped already 0, refused 0 (out of date until run again)", output.Trim());
        Assert.Equal(2, Ldae("results", "stamp", "--profile", "nope").Code);
    }
}
