
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace OrleansReco.LocalCluster;

/// <summary>
/// A <c>redis-server</c> on a loopback port with the append-only file on and <c>appendfsync always</c>: every write
/// is fsynced before Redis answers, so a grain state write the silo saw succeed (and therefore every 202 for an
/// event) survives a Redis crash or restart. (<c>everysec</c>, Redis's default, may lose up to a second of
/// acknowledged writes when the Redis host crashes.) Restart keeps the port and the data directory.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly string _directory;
    private readonly string _fsync;
    private readonly string? _aclFile;
    private ChildProcess _process;
    private int _starts;

    private RedisProcess(ChildProcess process, int port, string directory, string fsync, RedisUsers? users, string? aclFile)
    {
        _process = process;
        Port = port;
        _directory = directory;
        _fsync = fsync;
        Users = users;
        _aclFile = aclFile;
    }

    /// <summary>The ACL users the server was started with (null: the default user, no password).</summary>
    public RedisUsers? Users { get; }

    public int Port { get; }

    public int Pid => _process.Pid;

    /// <summary>StackExchange.Redis configuration string; <c>abortConnect=false</c> so clients reconnect after a restart.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>
    /// Starts a server storing its data (AOF) under <paramref name="directory"/>; <paramref name="fsync"/> is <c>always</c>
    /// or <c>everysec</c>; with <paramref name="users"/> it runs with those ACL users (<c>--aclfile</c>) and the harness's
    /// own commands authenticate as their administrator.
    /// </summary>
    public static async Task<RedisProcess> StartAsync(string directory, string fsync = "always", RedisUsers? users = null)
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"{Executable} is missing; install it with 'apt-get install redis-server'.");
        Directory.CreateDirectory(directory);
        int port = Ports.Free();
        string? aclFile = users?.WriteAclFile(directory);
        var process = await LaunchAsync(port, directory, fsync, aclFile, 0);
        return new RedisProcess(process, port, directory, fsync, users, aclFile);
    }

    /// <summary>SIGTERM (Redis flushes the AOF and exits), then a new server on the same port and data directory.</summary>
    public async Task RestartAsync(TimeSpan downtime, CancellationToken cancellation = default)
    {
        await StopAsync();
        await Task.Delay(downtime, cancellation);
        await StartAgainAsync();
    }

    /// <summary>SIGTERM and wait for the exit.</summary>
    public Task StopAsync() => _process.TerminateAsync(StartTimeout);

    /// <summary>kill -9: Redis gets no chance to flush; what it had not yet written to the AOF is lost.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>Starts the server again after <see cref="StopAsync"/> or <see cref="KillAsync"/> (same port, same data).</summary>
    public async Task StartAgainAsync()
    {
        await _process.DisposeAsync();
        _process = await LaunchAsync(Port, _directory, _fsync, _aclFile, ++_starts);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    /// <summary>Runs one command (RESP over a fresh loopback connection, as the administrator when there are ACL users) and returns its reply as text.</summary>
    public Task<string> CommandAsync(params string[] args) =>
        Users is { } users ? CommandAsAsync(RedisUsers.AdminUser, users.AdminPassword, args) : SendAsync(null, args);

    /// <summary>Runs one command as ACL user <paramref name="user"/>; a refusal (WRONGPASS, NOPERM) throws <see cref="InvalidOperationException"/> with Redis' error.</summary>
    public Task<string> CommandAsAsync(string user, string password, params string[] args) => SendAsync(["AUTH", user, password], args);

    private async Task<string> SendAsync(string[]? auth, string[] args)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", Port);
        var stream = tcp.GetStream();
        var request = new StringBuilder();
        foreach (var command in auth is null ? [args] : new[] { auth, args })
        {
            request.Append('*').Append(command.Length).Append("\r\n");
            foreach (var arg in command) request.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        if (auth is not null)
        {
            string reply = await reader.ReadLineAsync() ?? throw new IOException($"redis-server on port {Port} closed the connection.");
            if (reply != "+OK") throw new InvalidOperationException($"redis-server on port {Port}: AUTH {auth[1]}: {reply.TrimStart('-')}");
        }
        return await ReadReplyAsync(reader, args);
    }

    /// <summary>One RESP reply as text (the elements of an array on separate lines).</summary>
    private async Task<string> ReadReplyAsync(StreamReader reader, string[] args)
    {
        string line = await reader.ReadLineAsync() ?? throw new IOException($"redis-server on port {Port} closed the connection.");
        switch (line[0])
        {
            case '+':
            case ':':
                return line[1..];
            case '-':
                throw new InvalidOperationException($"redis-server on port {Port}: {string.Join(' ', args)}: {line[1..]}");
            case '*':
                int count = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                var elements = new List<string>();
                for (int i = 0; i < count; i++) elements.Add(await ReadReplyAsync(reader, args));
                return string.Join('\n', elements);
            case '$':
                int length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                if (length < 0) return "";
                var buffer = new char[length + 2]; // the value and its CRLF
                int read = 0;
                while (read < buffer.Length)
                {
                    int n = await reader.ReadAsync(buffer.AsMemory(read, buffer.Length - read));
                    if (n == 0) throw new IOException($"redis-server on port {Port} closed the connection mid-reply.");
                    read += n;
                }
                return new string(buffer, 0, length);
            default:
                throw new InvalidOperationException($"redis-server on port {Port}: unexpected reply '{line}' to {args[0]}.");
        }
    }

    /// <summary>The fields of <c>INFO</c> (all sections) as numbers where they are numbers.</summary>
    public async Task<IReadOnlyDictionary<string, double>> InfoAsync()
    {
        var info = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in (await CommandAsync("INFO", "everything")).Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && double.TryParse(line.AsSpan(colon + 1).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                info[line[..colon]] = value;
        }
        return info;
    }

    private static async Task<ChildProcess> LaunchAsync(int port, string directory, string fsync, string? aclFile, int start)
    {
        string[] args =
        [
            "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
            "--appendonly", "yes", "--appendfsync", fsync, "--protected-mode", "yes",
            .. aclFile is null ? Array.Empty<string>() : ["--aclfile", aclFile],
        ];
        var process = ChildProcess.Start("redis", Executable, args, new Dictionary<string, string>(), Path.Combine(directory, $"redis-{start}.log"));
        try
        {
            await process.WaitForLineAsync("Ready to accept connections", StartTimeout, $"starting redis-server on port {port}");
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        return process;
    }
}
