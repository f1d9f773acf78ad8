namespace LDae.Files;

/// <summary>
/// Writes a file so that readers see either the old complete file or the new complete one, never a part of it: the
/// bytes go to a temporary file beside the target, named for this process and write (two processes writing the
/// same file never share one), are flushed to disk and renamed over the target (atomic on POSIX file systems).
/// A write that fails removes its temporary file; a full disk or a folder that refuses the file is a
/// <see cref="StorageException"/> naming the file, which the commands report in one line.
/// </summary>
public static class AtomicFile
{
    const string TempMarker = ".tmp-";

    /// <summary>A temporary name beside <paramref name="path"/> that no other process or write uses.</summary>
    public static string TempName(string path) => $"{path}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Whether <paramref name="path"/> is a temporary file of a write (finished or not): never read as a result.</summary>
    public static bool IsTemporary(string path) => Path.GetFileName(path).Contains(TempMarker, StringComparison.Ordinal);

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>; <paramref name="beforeRename"/> sees the
    /// complete temporary file (flushed, closed) before it takes the target's place.
    /// </summary>
    public static void Write(string path, Action<Stream> write, Action<string>? beforeRename = null)
    {
        var target = Path.GetFullPath(path);
        var tmp = TempName(target);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            beforeRename?.Invoke(tmp);
            File.Move(tmp, target, overwrite: true);
        }
        catch (Exception e) when (StorageFailure.Describe(e) is { } why)
        {
            throw new StorageException(target, why, e);
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    public static void WriteBinary(string path, Action<BinaryWriter> write, Action<string>? beforeRename = null) =>
        Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            write(writer);
            writer.Flush();
        }, beforeRename);

    public static void WriteText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>Copies <paramref name="source"/> to <paramref name="path"/> atomically.</summary>
    public static void Copy(string source, string path) =>
        Write(path, stream =>
        {
            using var from = File.OpenRead(source);
            from.CopyTo(stream);
        });

    static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder refuses the deletion too: nothing more can be done, and the original error says why.
        }
    }
}
