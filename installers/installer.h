/* `pyhost installer deb | dmg | msi`: one driver per kind of installer (installer_*.c), each
 * taking the arguments after the kind and returning the process exit status. */
#ifndef PH_INSTALLER_H
#define PH_INSTALLER_H

int ph_installer_deb(int argc, char **argv);
int ph_installer_dmg(int argc, char **argv);
int ph_installer_msi(int argc, char **argv);

#endif
