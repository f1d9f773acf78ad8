using LDae.Harness;
using LDae.Files;
using LDae.Tests.Training;
using Xunit;

namespace LDae.Tests.Storage;

/// <summary>One atomic writer: the old file or the new one, never a part, and no temporary file left by a failure.</summary>
public sealed class AtomicFileTests : IDisposable
{
    readonly TempDir dir = new();
    public void Dispose() => dir.Dispose();

    [Fact]
    public void A_write_that_fails_keeps_the_old_file_and_removes_its_temporary_file()
    {
        var path = dir.Sub("weights.bin");
        AtomicFile.WriteText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([1, 2, 3]);
            throw new InvalidOperationException("the model failed half-way");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_full_disk_is_one_line_naming_the_file_and_leaves_no_temporary_file()
    {
        var path = dir.Sub("weights.bin");
        // .NET raises ENOSPC as an IOException whose HResult is the errno (28), as this write to /dev/full shows.
        var real = Assert.ThrowsAny<IOException>(() => { using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write); full.Write(new byte[1 << 16]); full.Flush(); });
        var e = Assert.Throws<StorageException>(() => AtomicFile.Write(path, s => { s.Write([1]); throw real; }));
        Assert.IsAssignableFrom<IOException>(e); // ldae names StorageException among its input errors: this line, exit 2
        Assert.Equal($"cannot write {path}: no space left on the device", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Permission_denied_is_an_expected_failure_and_other_errors_are_not()
    {
        Assert.Equal("permission denied", StorageFailure.Describe(new UnauthorizedAccessException("Access to the path '/x' is denied.")));
        Assert.Null(StorageFailure.Describe(new IOException("some other failure", 5)));
    }

    [Fact]
    public void Two_writers_of_one_file_never_share_a_temporary_name()
    {
        var path = dir.Sub("metrics.json");
        Assert.NotEqual(AtomicFile.TempName(path), AtomicFile.TempName(path));
        Assert.True(AtomicFile.IsTemporary(AtomicFile.TempName(path)));
        Assert.False(AtomicFile.IsTemporary(path));
    }
}
