package main

import (
	"flag"

	"innoreport/report/web"
)

// linkFlags are split's and remind's -link-base and -state: with them,
// each unit's mail (and split's list) carries the unit's serve link, the
// token derived from the same state folder's key as serve derives it.
type linkFlags struct {
	base  string
	state string
}

func (l *linkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.base, "link-base", "", "附上各单位的报送链接：serve 的地址 / put each unit's serve link in its mail: serve's `URL` as the clerks reach it (https://innoreport.kjj.example)")
	fs.StringVar(&l.state, "state", "innoreport-state", "serve 的状态目录，报送链接由其中的密钥生成 / serve's state `DIR`, whose key the links are derived from (with -link-base)")
}

// linker gives each unit's link in a campaign, or nil for none.
type linker func(campaign string) (func(unit string) string, error)

// links gives each unit's link in campaign; nil without -link-base.
func (l *linkFlags) links(campaign string) (func(unit string) string, error) {
	if l.base == "" {
		return nil, nil
	}
	if !web.ValidLinkBase(l.base) {
		return nil, usagef("-link-base %q 应是 serve 的网址（http 或 https），如 https://innoreport.kjj.example", "-link-base %q must be serve's http(s) address, such as https://innoreport.kjj.example", l.base)
	}
	key, err := web.UnitKey(l.state)
	if err != nil {
		return nil, usagef("无法读取状态目录 %s 中的链接密钥：%v", "cannot read the link key in the state folder %s: %v", l.state, err)
	}
	return func(unit string) string {
		return web.UnitLink(l.base, web.UnitToken(key, campaign, unit))
	}, nil
}
