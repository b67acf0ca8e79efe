# Generates analyzer/catalogs/os-support.csv rows from endoflife.date's
# product files (a snapshot), keeping only the fields lift uses.
import subprocess, yaml, csv, sys, datetime
REPO="/work/.mirror/endoflife-date+endoflife.date/repo"
COMMIT=subprocess.check_output(["git","-C",REPO,"rev-parse","--short=7","HEAD"]).decode().strip()
def load(p):
    t=subprocess.check_output(["git","-C",REPO,"show",f"HEAD:products/{p}.md"]).decode()
    return yaml.safe_load(t.split("---")[1])
# (product file, os-release ID, name, standard field, extended field, extended name, vendor page, cycles wanted)
SPEC=[
 ("rhel","rhel","Red Hat Enterprise Linux","eol","eoes","Extended Life Cycle Support (ELS) add-on","https://access.redhat.com/support/policy/updates/errata",["10","9","8","7","6","5"]),
 ("centos","centos","CentOS Linux","eol",None,"","https://wiki.centos.org/About/Product",["8","7","6","5"]),
 ("centos-stream","centos-stream","CentOS Stream","eol",None,"","https://centos.org/stream9/",["10","9","8"]),
 ("rocky-linux","rocky","Rocky Linux","eol",None,"","https://wiki.rockylinux.org/rocky/version/",["10","9","8"]),
 ("almalinux","almalinux","AlmaLinux","eol",None,"","https://wiki.almalinux.org/release-notes/",["10","9","8"]),
 ("oracle-linux","ol","Oracle Linux","eol","eoes","Oracle Linux Extended Support","https://www.oracle.com/a/ocom/docs/elsp-lifetime-069338.pdf",["10","9","8","7","6"]),
 ("amazon-linux","amzn","Amazon Linux","eol",None,"","https://aws.amazon.com/amazon-linux-2/faqs/ and https://docs.aws.amazon.com/linux/al2023/ug/release-cadence.html",["2023","2","2018.03"]),
 ("sles","sles","SUSE Linux Enterprise Server","eol","eoes","Long Term Service Pack Support (LTSS)","https://www.suse.com/lifecycle",["16.0","15.7","15.6","15.5","15.4","15.3","15.2","15.1","15.0","12.5","12.4","12.3","12.2","12.1","11.4","11.3"]),
 ("debian","debian","Debian","eol","eoes","Debian LTS","https://wiki.debian.org/DebianReleases and https://wiki.debian.org/LTS",["13","12","11","10","9","8","7"]),
 ("ubuntu","ubuntu","Ubuntu","eol","eoes","Expanded Security Maintenance (Ubuntu Pro)","https://ubuntu.com/about/release-cycle",["26.04","25.10","25.04","24.04","22.04","20.04","18.04","16.04","14.04"]),
 ("alpine-linux","alpine","Alpine Linux","eol",None,"","https://alpinelinux.org/releases/",["3.24","3.23","3.22","3.21","3.20","3.19","3.18","3.17","3.16","3.15","3.14","3.13","3.12"]),
]
SRC={("amzn","2023"):"https://docs.aws.amazon.com/linux/al2023/ug/release-cadence.html",("amzn","2"):"https://aws.amazon.com/amazon-linux-2/faqs/",("amzn","2018.03"):"https://aws.amazon.com/amazon-linux-ami/faqs/"}
NAMES={("amzn","2018.03"):"Amazon Linux AMI 2018.03"}
NOTES={
 ("ol","10"):"no end date published in the snapshot: Oracle lists 10 without dates",
 ("amzn","2018.03"):"Amazon Linux AMI (AL1): every release from 2010.11 to 2018.03 shares these dates; lift matches 2018.03 only",
 ("amzn","2"):"AWS extended AL2 twice (from 2023 then from 2025)",
 ("amzn","2023"):"standard support ends 2027-06-30; maintenance (security) support to 2029-06-30 is used here",
 ("ubuntu","22.04"):"ubuntu.com gives months only; the day is endoflife.date's",
 ("ubuntu","24.04"):"ubuntu.com gives months only; the day is endoflife.date's; the Legacy add-on extends ESM further",
 ("ubuntu","20.04"):"ubuntu.com gives months only; the day is endoflife.date's",
 ("ubuntu","16.04"):"Legacy add-on (Ubuntu Pro) extends security maintenance past ESM",
 ("ubuntu","14.04"):"Legacy add-on (Ubuntu Pro) extends security maintenance past ESM",
 ("centos","7"):"no vendor extended support: RHEL 7 ELS does not cover CentOS",
 ("centos","8"):"CentOS Linux 8; CentOS Stream 8 has its own row",
 ("debian","12"):"standard = the security team's support; LTS is Debian's own volunteer programme and free",
 ("sles","16.0"):"dates of SLES 16.0 as a service pack; the 16 series runs longer",
}
w=csv.writer(sys.stdout, lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar=None)
w.writerow(["id","version","name","standard_end","extended_end","extended","source","checked","note"])
for prod,osid,name,std,ext,extname,page,cycles in SPEC:
    d=load(prod)
    rel={str(r["releaseCycle"]):r for r in d["releases"]}
    for c in cycles:
        r=rel[c]
        def f(k):
            v=r.get(k) if k else None
            if v is True or v is False or v is None: return ""
            return v.isoformat() if hasattr(v,"isoformat") else str(v)
        e=f(ext)
        w.writerow([osid,c,NAMES.get((osid,c),f"{name} {c}"),f(std),e,extname if e else "",SRC.get((osid,c),page),f"2026-12-07 endoflife.date@{COMMIT} products/{prod}.md",NOTES.get((osid,c),"")])
