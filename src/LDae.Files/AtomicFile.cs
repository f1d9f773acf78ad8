namespace LDae.Files;

/// <summary>
/// Writes a file so that readers see either the old complete file or the new complete file, never a partial
/// one: write to "&lt;path&gt;.tmp", flush to disk, then rename over the target (atomic on POSIX file systems).
/// A leftover ".tmp" from a crash is simply overwritten next time and never read.
/// </summary>
public static class AtomicFile
{
    public const string TempSuffix = ".tmp";

    public static void Write(string path, Action<Stream> write)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string tmp = path + TempSuffix;
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    public static void WriteBinary(string path, Action<BinaryWriter> write) =>
        Write(path, (Stream s) =>
        {
            using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            write(w);
            w.Flush();
        });
}
