using System.Text;

namespace LDae.Rows;

/// <summary>
/// What a row run prints: to the console as always, and into the row's console.log once its folder is known. Lines
/// printed before that (loading the data, waiting for the lock) are kept and written first, so console.log holds the
/// whole run; a resumed run appends to the log of the interrupted one.
/// </summary>
sealed class RowConsoleLog(TextWriter console) : TextWriter
{
    readonly StringBuilder pending = new();
    StreamWriter? file;

    public override Encoding Encoding => console.Encoding;

    /// <summary>From now on, also append to <paramref name="path"/> (what was printed so far first).</summary>
    public void Attach(string path)
    {
        lock (pending)
        {
            file?.Dispose();
            file = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
            file.Write(pending.ToString());
            pending.Clear();
        }
    }

    /// <summary>Stops writing to the file (before its folder is moved); the console still gets everything.</summary>
    public void Detach()
    {
        lock (pending)
        {
            file?.Dispose();
            file = null;
        }
    }

    public override void Write(char value)
    {
        lock (pending)
        {
            console.Write(value);
            if (file is not null) file.Write(value);
            else pending.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (pending)
        {
            console.Write(value);
            if (file is not null) file.Write(value);
            else pending.Append(value);
        }
    }

    public override void WriteLine(string? value) => Write(value + NewLine);

    public override void Flush()
    {
        lock (pending)
        {
            console.Flush();
            file?.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Detach();
        base.Dispose(disposing);
    }
}
