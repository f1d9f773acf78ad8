namespace LDae.Harness.Execution;

/// <summary>How a line of build output should look where colour is allowed.</summary>
public enum Tone { Plain, Good, Bad, Faint, Strong }

/// <summary>
/// What the build says on its standard output. Escape codes (colour, redrawing the live job table) only when the
/// output is a terminal, NO_COLOR is unset and TERM is not "dumb": a piped or logged build gets plain lines.
/// </summary>
public sealed class BuildConsole(TextWriter output, bool ansi, bool interactive)
{
    public TextWriter Output { get; } = output;

    /// <summary>Escape codes allowed.</summary>
    public bool Ansi { get; } = ansi;

    /// <summary>A person can answer a question (stdin and stdout are a terminal).</summary>
    public bool Interactive { get; } = interactive;

    /// <summary>The process's own console, with the policy above read from the environment.</summary>
    public static BuildConsole Standard() => new(Console.Out,
        AnsiAllowed(Console.IsOutputRedirected, Environment.GetEnvironmentVariable("NO_COLOR"), Environment.GetEnvironmentVariable("TERM")),
        !Console.IsInputRedirected && !Console.IsOutputRedirected);

    /// <summary>Plain text into <paramref name="output"/> (tests, logs).</summary>
    public static BuildConsole Plain(TextWriter output) => new(output, ansi: false, interactive: false);

    /// <summary>See https://no-color.org: any non-empty NO_COLOR turns colour off.</summary>
    public static bool AnsiAllowed(bool outputRedirected, string? noColor, string? term) =>
        !outputRedirected && string.IsNullOrEmpty(noColor) && term != "dumb";

    public void Line(string text = "") { lock (Output) { Output.WriteLine(text); Output.Flush(); } }

    public void Line(string text, Tone tone) => Line(Paint(text, tone));

    /// <summary>The text in its tone's colour when escape codes are allowed, else unchanged.</summary>
    public string Paint(string text, Tone tone)
    {
        if (!Ansi || tone == Tone.Plain || text.Length == 0) return text;
        var code = tone switch { Tone.Good => "32", Tone.Bad => "31;1", Tone.Faint => "2", _ => "1" };
        return $"\u001b[{code}m{text}\u001b[0m";
    }

    /// <summary>Asks a yes/no question; false without asking when nobody can answer.</summary>
    public bool Confirm(string question)
    {
        if (!Interactive) return false;
        lock (Output) { Output.Write($"{question} [y/N] "); Output.Flush(); }
        var answer = Console.ReadLine();
        return answer is not null && answer.Trim().StartsWith('y');
    }
}
