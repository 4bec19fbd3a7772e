/* toy_main.c: the toy controller as a process, for controller.sh only. */
#include "ckube/controller.h"

#include "toy_controller.h"

int
main(int argc, char *argv[])
{
	return controller_main(&toy_def, argc, argv);
}
