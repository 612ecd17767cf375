package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"innoreport/publish"
	"innoreport/report/web"
)

// stdin is where `users add` reads the password; tests replace it.
var stdin io.Reader = os.Stdin

// shutdownGrace is how long serve waits, on SIGTERM, for requests and
// builds under way before it cancels them.
const shutdownGrace = 30 * time.Second

// serveFlags are serve's own flags, beside build's.
type serveFlags struct {
	addr       string
	state      string
	users      string
	cert, key  string
	trustProxy bool
	workers    int
	master     string
	linkBase   string
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	srv, sf, logger, err := newServer(args, stderr)
	if err != nil {
		return err
	}
	return listen(ctx, srv, sf, logger, stderr)
}

// newServer reads serve's flags and makes the server they describe.
func newServer(args []string, stderr io.Writer) (srv *web.Server, _ *serveFlags, _ *log.Logger, err error) {
	b, sf, err := parseServe(args, stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	users, err := web.LoadUsers(sf.users)
	if err != nil {
		return nil, nil, nil, usagef("无法读取用户文件 %s：%v；先运行 innoreport users add NAME", "cannot read the users file %s: %v; run innoreport users add NAME first", sf.users, err)
	}
	logger := log.New(stderr, "innoreport: ", log.LstdFlags)
	var rets web.Returns
	if sf.master != "" {
		r, err := serveMaster(b, sf, logger)
		if err != nil {
			return nil, nil, nil, err
		}
		defer func() {
			if srv == nil {
				if cerr := r.Close(context.Background()); cerr != nil {
					logger.Print(cerr)
				}
			}
		}()
		rets = r
		if r.receipts == nil {
			fmt.Fprintln(stderr, "innoreport: 未配置邮件服务器（INNOREPORT_SMTP_URL），提交报表后不发回执 / no mail server is configured (INNOREPORT_SMTP_URL): no receipts are sent for submitted returns")
		}
	}
	srv, err = web.New(web.Config{
		Returns: rets,
		Build:   b.webBuilder(), State: sf.state, DB: b.archivePath(sf.state), Users: users,
		MaxUpload: b.maxFile << 20, TrustProxy: sf.trustProxy, TLS: sf.cert != "", Workers: sf.workers, Log: logger,
		Font: b.font, LinkBase: sf.linkBase,
	})
	if err != nil {
		return nil, nil, nil, usagef("无法使用状态目录 %s：%v", "cannot use the state folder %s: %v", sf.state, err)
	}
	if rets != nil {
		// The links go into the mail that sends each unit its return
		// (split and remind with -link-base put them there).
		fmt.Fprintln(stderr, "innoreport: 各单位的报送链接（split、remind 加 -link-base 时写入邮件） / each unit's link (split and remind with -link-base put it in the mail):")
		for _, u := range rets.Units() {
			fmt.Fprintf(stderr, "  %s\t%s\n", u, srv.UnitLinks()[u])
		}
	}
	return srv, sf, logger, nil
}

// parseServe reads serve's flags and refuses a combination that cannot
// serve.
func parseServe(args []string, stderr io.Writer) (*buildFlags, *serveFlags, error) {
	var b buildFlags
	var sf serveFlags
	fs := newFlagSet("serve", stderr, nil)
	b.register(fs)
	fs.StringVar(&sf.addr, "addr", "127.0.0.1:8080", "监听地址 / listen on `HOST:PORT`")
	fs.StringVar(&sf.state, "state", "innoreport-state", "状态目录：上传生成的文件和默认存档 / state `DIR`: the builds' outputs, and the archive unless -db says otherwise")
	fs.StringVar(&sf.users, "users", "users.txt", "用户文件（innoreport users add 生成） / the users `FILE` (written by innoreport users add)")
	fs.StringVar(&sf.cert, "tls-cert", "", "TLS 证书 / TLS certificate `FILE` (PEM); with -tls-key")
	fs.StringVar(&sf.key, "tls-key", "", "TLS 私钥 / TLS key `FILE` (PEM)")
	fs.BoolVar(&sf.trustProxy, "trust-proxy", false, "在反向代理之后：采信 X-Forwarded-Proto/-Host/-For / behind a reverse proxy: believe its X-Forwarded-* headers")
	fs.StringVar(&sf.master, "master", "", "收集各单位报表的主表（在状态目录之外） / collect the units' returns, uploaded through their links, into this master `FILE.xlsx` (outside the state folder)")
	fs.StringVar(&sf.linkBase, "link-base", "", "各单位报送链接的前缀，即单位访问本服务的地址 / the `URL` the units' clerks reach serve by, which their links start with (default: the address the bureau's page was opened by)")
	fs.IntVar(&sf.workers, "workers", 0, "同时生成的个数 / builds at once (default: half the CPUs)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "用法 / usage: innoreport serve [-addr 127.0.0.1:8080] [-db PATH] [-master MASTER.xlsx [-link-base URL]] [-users FILE] [-tls-cert F -tls-key F] [-trust-proxy] [build flags]\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, usagef("serve 不接受工作簿参数：%s", "serve takes no workbook: %s", strings.Join(fs.Args(), " "))
	}
	if b.mailList != "" {
		return nil, nil, usagef("serve 不发送邮件：去掉 -mail-to", "serve sends no mail: drop -mail-to")
	}
	if sf.linkBase != "" && !web.ValidLinkBase(sf.linkBase) {
		return nil, nil, usagef("-link-base %q 应是本服务的网址（http 或 https），如 https://innoreport.kjj.example", "-link-base %q must be serve's http(s) address, such as https://innoreport.kjj.example", sf.linkBase)
	}
	if (sf.cert == "") != (sf.key == "") {
		return nil, nil, usagef("-tls-cert 与 -tls-key 须同时给出", "give both -tls-cert and -tls-key, or neither")
	}
	if b.archive.db == "" {
		b.archive.db = filepath.Join(sf.state, "innoreport.db")
	}
	if err := b.prepare(); err != nil {
		return nil, nil, err
	}
	return &b, &sf, nil
}

// listen serves until ctx ends (SIGTERM), then shuts down gracefully.
func listen(ctx context.Context, srv *web.Server, sf *serveFlags, logger *log.Logger, stderr io.Writer) error {
	ln, err := net.Listen("tcp", sf.addr)
	if err != nil {
		return usagef("无法监听 %s：%v", "cannot listen on %s: %v", sf.addr, err)
	}
	hs := &http.Server{
		Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: logger, MaxHeaderBytes: 64 << 10,
	}
	scheme := "http"
	if sf.cert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stderr, "innoreport: 服务已启动 / serving on %s://%s\n", scheme, ln.Addr())
	done := make(chan error, 1)
	go func() {
		if sf.cert != "" {
			done <- hs.ServeTLS(ln, sf.cert, sf.key)
		} else {
			done <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// SIGTERM: stop taking requests, finish those under way and the builds
	// they started, then leave.
	fmt.Fprintln(stderr, "innoreport: 正在停止 / shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = hs.Shutdown(sctx)
	if cerr := srv.Close(sctx); err == nil {
		err = cerr
	}
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// webBuilder builds an upload as build builds a file: the same flags, the
// same outputs, recorded in the same archive. Every file is named by the
// server (workbook-report.pdf in the job's folder); the sender's name is
// only shown and archived.
func (b *buildFlags) webBuilder() web.Builder {
	return func(ctx context.Context, up web.Upload, dir string, progress func(string)) (*web.Build, error) {
		bb := *b // each build its own progress; the rest is only read
		bb.progress = stageWriter(progress)
		p := bb.pipeline(bb.archivePath(dir))
		p.Say("读取 / reading %s", up.Name)
		// Read under the sender's name, so its messages name their file.
		in, err := bb.reader().Data(up.Name, up.Data)
		if err != nil {
			return nil, err
		}
		in.Path, in.Name = filepath.Join(dir, "workbook"+publish.BookExt(up.Name)), up.Name
		out, err := p.Build(ctx, in, "workbook", dir, false)
		if err != nil {
			return nil, err
		}
		files := map[string]string{}
		for _, o := range out.Outputs() {
			files[o[0]] = o[1]
		}
		js, err := out.Result.JSON(bb.lang)
		if err != nil {
			return nil, err
		}
		return &web.Build{Result: out.Result, Files: files, JSON: func(urls map[string]string) ([]byte, error) {
			return buildAnswer(js, out, urls)
		}}, nil
	}
}

// stageWriter turns say's lines into progress stages.
type stageWriter func(string)

func (f stageWriter) Write(p []byte) (int, error) {
	f(strings.TrimSpace(strings.TrimPrefix(string(p), "innoreport: ")))
	return len(p), nil
}

func runUsers(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usagef("用法：innoreport users add [-file users.txt] [-role bureau] NAME（密码从标准输入读取）", "usage: innoreport users add [-file users.txt] [-role bureau] NAME (the password is read from stdin)")
	}
	fs := newFlagSet("users add", stderr, nil)
	file := fs.String("file", "users.txt", "用户文件 / the users `FILE`")
	role := fs.String("role", string(web.RoleBureau), "角色 / the `ROLE`: bureau (科技局工作人员 bureau staff)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("users add 需要一个用户名", "users add needs one NAME")
	}
	r, ok := web.ParseRole(*role)
	if !ok {
		return usagef("-role 只能是 bureau，而不是 %q", "-role must be bureau, not %q", *role)
	}
	fmt.Fprintln(stderr, "innoreport: 请输入密码（至少 8 个字符）后回车 / type the password (8 characters or more) and press Enter")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	token, err := web.AddUser(*file, fs.Arg(0), r, strings.TrimRight(line, "\r\n"))
	if err != nil {
		return usagef("无法添加用户：%v", "cannot add the user: %v", err)
	}
	fmt.Fprintf(stderr, "innoreport: 已写入 %s；下面是 %s 的接口令牌，只显示这一次 / written to %s; %s's API token follows, shown only this once\n", *file, fs.Arg(0), *file, fs.Arg(0))
	fmt.Fprintln(stdout, token)
	return nil
}
