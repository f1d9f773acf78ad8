using LDae.Harness;
using LDae.Files;
using LDae.Tests.Training;
using Xunit;

namespace LDae.Tests.Storage;

/// <summary>An artifact with its SHA-256 beside it is usable only while it matches it.</summary>
public sealed class VerifiedFileTests : IDisposable
{
    readonly TempDir dir = new();
    public void Dispose() => dir.Dispose();

    string Written(string name, byte[] bytes)
    {
        var path = dir.Sub(name);
        VerifiedFile.Write(path, s => s.Write(bytes));
        return path;
    }

    [Fact]
    public void A_written_file_carries_its_sha256_in_sha256sum_format_and_is_usable()
    {
        var path = Written("weights.bin", [1, 2, 3, 4]);
        Assert.True(VerifiedFile.Check(path).Usable);
        Assert.Equal($"{VerifiedFile.Sha256Of(path)}  weights.bin", File.ReadAllText(path + ".sha256").Trim());
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));
    }

    [Fact]
    public void A_changed_missing_or_undigested_file_is_refused_with_one_line_naming_it()
    {
        var changed = Written("changed.bin", [1, 2, 3, 4]);
        File.WriteAllBytes(changed, [1, 2, 3, 5]);
        var check = VerifiedFile.Check(changed);
        Assert.False(check.Usable);
        Assert.Contains("does not match the SHA-256", check.ToString());
        Assert.StartsWith(changed, check.ToString());
        var e = Assert.Throws<ArtifactException>(() => VerifiedFile.Require(changed));
        Assert.IsAssignableFrom<IOException>(e); // ldae names ArtifactException among its input errors: one line, exit 2
        Assert.DoesNotContain('\n', e.Message);

        var gone = Written("gone.bin", [9]);
        File.Delete(gone);
        Assert.Equal((false, false), (VerifiedFile.Check(gone).Usable, VerifiedFile.Check(gone).Exists));

        var old = dir.Sub("old.bin");
        File.WriteAllBytes(old, [7, 7]); // made before digests were kept
        Assert.Contains("has no SHA-256 beside it", VerifiedFile.Check(old).ToString());
    }

    [Fact]
    public void A_truncated_file_of_the_same_name_does_not_pass_for_the_complete_one()
    {
        var path = Written("checkpoint.bin", Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray());
        Assert.True(VerifiedFile.Check(path).Usable);
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(100);
        Assert.False(VerifiedFile.Check(path).Usable);
    }

    [Fact]
    public void A_file_changed_in_place_within_the_same_time_stamp_and_length_is_hashed_again()
    {
        // The file system stamps modification times at a coarse tick: a hand edit and a rewrite can share one.
        var path = Written("digest.json", [1, 2, 3, 4]);
        var stamp = File.GetLastWriteTimeUtc(path);
        Assert.True(VerifiedFile.Check(path).Usable);
        File.WriteAllBytes(path, [1, 2, 3, 5]);
        File.SetLastWriteTimeUtc(path, stamp);
        Assert.False(VerifiedFile.Check(path).Usable);
        File.WriteAllBytes(path, [1, 2, 3, 4]);
        File.SetLastWriteTimeUtc(path, stamp);
        Assert.True(VerifiedFile.Check(path).Usable);
    }
}
